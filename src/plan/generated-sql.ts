/**
 * The second line of defence for SQL fragments: every statement schemashift generates for a plan
 * entry (its steps and its undo steps) is parsed when the plan is loaded. A fragment that is one
 * expression on its own can still mis-splice (`DEFAULT true OR false`: DEFAULT takes a restricted
 * expression); the plan is then refused with the position of the fragment, instead of failing at
 * run time halfway through a phase.
 */
import type { Dialect } from '../dialects/dialect.js';
import type { SqlProblem } from '../dialects/parser.js';
import type { PlanProblem } from '../errors.js';
import type { BackfillStep, Step } from '../operations/types.js';
import { briefSql } from './brief-sql.js';
import type { PlanEntry, YamlPath } from './types.js';
import type { YamlSource } from './yaml-source.js';

/** Keys under which a step carries SQL text that will be sent to the server (`batchSql` is only shown). */
const SQL_KEYS = new Set(['sql', 'probe', 'query']);
/** Stands for the key a backfill finds at run time: the statements' shape does not depend on its name. */
const STAND_IN_KEY = ['id'];

function backfillTexts(dialect: Dialect, step: BackfillStep): string[] {
  const key = step.key ?? STAND_IN_KEY;
  const counts = [false, true].map((afterKey) => dialect.backfill.remainingCount(step, key, afterKey));
  // every BatchStatements field is SQL text
  return [...(Object.values(dialect.backfill.batchStatements(step, key)) as string[]), ...counts];
}

/** Every SQL text inside a step (its statement, probe, batch statements, guard and throttle queries). */
export function sqlTextsOf(dialect: Dialect, step: Step): string[] {
  const texts: string[] = step.kind === 'backfill' ? backfillTexts(dialect, step) : [];
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (typeof child === 'string' && SQL_KEYS.has(key)) texts.push(child);
      else visit(child);
    }
  };
  visit(step);
  return texts;
}

/** Strings of the spec as written, with their YAML path relative to the operation's value. */
function stringLeaves(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; text: string }[] {
  if (typeof value === 'string') return [{ path, text: value }];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) =>
    stringLeaves(child, [...path, Array.isArray(value) ? Number(key) : key]),
  );
}

/** The plan text the error falls in: the longest spliced string whose occurrence covers `offset`. */
function culprit(entry: PlanEntry, sql: string, offset: number): { path: YamlPath; offset: number } | undefined {
  let best: { path: YamlPath; offset: number; length: number } | undefined;
  for (const leaf of stringLeaves(entry.raw)) {
    if (leaf.text.length === 0) continue;
    for (let at = sql.indexOf(leaf.text); at >= 0; at = sql.indexOf(leaf.text, at + 1)) {
      const covers = offset >= at && offset <= at + leaf.text.length;
      if (covers && (!best || leaf.text.length > best.length))
        best = { path: [...entry.path, ...leaf.path], offset: offset - at, length: leaf.text.length };
    }
  }
  return best;
}

function problemFor(entry: PlanEntry, source: YamlSource, sql: string, error: SqlProblem): PlanProblem {
  const spot = culprit(entry, sql, error.offset);
  const near = briefSql(sql.slice(Math.max(0, error.offset - 30), error.offset + 30), 60);
  return {
    at: spot ? source.locateInScalar(spot.path, spot.offset) : entry.at,
    message:
      `the SQL schemashift generates for this ${entry.kind} step does not parse: ${error.message} (near \`${near}\` ` +
      `in \`${briefSql(sql, 100)}\`)`,
    hint: spot
      ? 'the text at this position is spliced into the statement shown and changes its shape there; put an ' +
        'expression in parentheses, e.g. `default: "(true OR false)"`'
      : 'this is how the step is built from its settings; check the values of this step',
  };
}

/**
 * Problems with the SQL `dialect` generates for `entries`: every statement of every step and undo
 * step must parse exactly as it will be sent.
 */
export function generatedSqlProblems(
  entries: PlanEntry[],
  source: YamlSource,
  dialect: Dialect,
  plan: string,
): PlanProblem[] {
  const problems: PlanProblem[] = [];
  for (const entry of entries) {
    const ctx = { dialect, id: entry.id, phase: entry.phase, plan };
    const inverse = entry.op.inverse(entry.spec, ctx);
    const steps = [...entry.op.forward(entry.spec, ctx), ...('steps' in inverse ? inverse.steps : [])];
    const seen = new Set<string>();
    for (const sql of steps.flatMap((step) => sqlTextsOf(dialect, step))) {
      if (seen.has(sql)) continue;
      seen.add(sql);
      const error = dialect.parser.syntaxProblem(sql);
      if (error) {
        problems.push(problemFor(entry, source, sql, error));
        break;
      }
    }
  }
  return problems;
}
