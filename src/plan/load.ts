import { replicationOrderProblems } from './replication-order.js';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { dialectNamed } from '../dialects/registry.js';
import { PlanError, UsageError, type PlanProblem } from '../errors.js';
import { findOperation, OPERATION_KINDS } from '../operations/index.js';
import { PHASES, type Phase } from '../operations/types.js';
import { afterProblems, normaliseAfter } from './after.js';
import { generatedSqlProblems } from './generated-sql.js';
import { withPlanDialect } from './primitives.js';
import { ifExistsSchema, lintSuppressionSchema, planHeaderSchema, STEP_META_KEYS, stepIdSchema } from './schema.js';
import { didYouMean } from './suggest.js';
import type { LintSuppression, Plan, PlanEntry, PlanSettings } from './types.js';
import { controlCharacterProblems, decodePlanBytes } from './plan-text.js';
import { isStackOverflow, tooDeep, YamlSource } from './yaml-source.js';
import { zodIssuesToProblems } from './zod-issues.js';

/** Read and check a plan file. Throws PlanError (exit 2) listing every problem with file:line:col. */
export async function loadPlanFile(file: string, cwd = process.cwd()): Promise<Plan> {
  let bytes: Buffer;
  try {
    bytes = await readFile(resolve(cwd, file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT' ? `plan file ${file} does not exist` : `cannot read plan file ${file}: ${(e as Error).message}`,
      'pass the path of a .yaml plan, e.g. plans/rename-orders-client-id.yaml',
    );
  }
  const decoded = decodePlanBytes(file, bytes);
  if ('problem' in decoded) throw new PlanError([decoded.problem]);
  return parsePlan(file, decoded.text);
}

/** Check a plan's text. Throws PlanError (exit 2) for every problem in it, never anything else. */
export async function parsePlan(file: string, text: string): Promise<Plan> {
  const { source, header } = guardDepth(file, text, () => readHeader(file, text));
  const dialect = dialectNamed(header.dialect);
  await dialect.parser.load();
  return guardDepth(file, text, () => withPlanDialect(dialect, () => checkSteps(file, source, header)));
}

/** A YAML document nested deep enough to overflow the stack is a plan problem, not a crash. */
function guardDepth<T>(file: string, text: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (!isStackOverflow(e)) throw e;
    throw new PlanError([tooDeep(file, text)]);
  }
}

type PlanHeader = z.output<typeof planHeaderSchema>;

function readHeader(file: string, text: string): { source: YamlSource; header: PlanHeader } {
  const source = new YamlSource(file, text);
  const control = controlCharacterProblems(text, source.doc, (offset) => source.pos(offset));
  if (control.length > 0) throw new PlanError(control);
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) throw new PlanError(syntax);

  const json = source.toJS();
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new PlanError([
      {
        at: source.pos(0),
        message: `a plan is a mapping with name and phases, found ${
          json === null ? 'an empty file' : 'something else'
        }`,
        hint: 'start from plans/rename-orders-client-id.yaml',
      },
    ]);
  }
  const header = planHeaderSchema.safeParse(json);
  if (!header.success) {
    throw new PlanError(phaseHints(zodIssuesToProblems(header.error.issues, [], planHeaderSchema, source, 'plan')));
  }
  return { source, header: header.data };
}

function checkSteps(file: string, source: YamlSource, header: PlanHeader): Plan {
  const problems: PlanProblem[] = [];
  const entries: PlanEntry[] = [];
  for (const phase of PHASES) {
    header.phases[phase].forEach((item, index) => {
      const entry = checkStep(source, phase, index, item, problems);
      if (entry) entries.push(entry);
    });
  }
  if (entries.length === 0 && problems.length === 0) {
    problems.push({
      at: source.locate(['phases']),
      message: 'the plan has no steps',
      hint: 'list steps under phases.expand, phases.migrate or phases.contract',
    });
  }
  assignIds(entries, source, problems);
  const after = normaliseAfter(header.after);
  problems.push(...afterProblems(header.name, after, source));
  problems.push(...replicationOrderProblems(entries, source));
  if (problems.length === 0 && header.dialect === 'postgres') {
    problems.push(...generatedSqlProblems(entries, source, dialectNamed(header.dialect), header.name));
  }
  if (problems.length > 0) throw new PlanError(problems);

  const { lock_timeout, lock_retries, statement_timeout, flags } = header.settings;
  const settings: PlanSettings = {
    lockTimeoutMs: lock_timeout,
    lockRetries: lock_retries,
    statementTimeoutMs: statement_timeout,
  };
  if (flags) settings.flags = flags;
  const plan: Plan = {
    file,
    name: header.name,
    dialect: header.dialect,
    settings,
    entries,
    hash: sha256(
      JSON.stringify({
        name: header.name,
        settings: header.settings,
        steps: entries.map((e) => [e.id, e.phase, e.hash]),
      }),
    ),
    locate: (path) => source.locate(path),
    locateInScalar: (path, offset) => source.locateInScalar(path, offset),
  };
  if (header.description !== undefined) plan.description = header.description;
  if (after.length > 0) plan.after = after;
  return plan;
}

function phaseHints(problems: PlanProblem[]): PlanProblem[] {
  return problems.map((p) =>
    p.message.startsWith('unknown key') && p.message.includes('(at phases)')
      ? {
          ...p,
          message: p.message.replace('unknown key', 'unknown phase'),
          hint:
            `${p.hint?.startsWith('did you mean') ? `${p.hint} ` : ''}phases are expand, migrate and contract, run ` +
            `in that order`,
        }
      : p,
  );
}

function checkStep(
  source: YamlSource,
  phase: Phase,
  index: number,
  item: unknown,
  problems: PlanProblem[],
): PlanEntry | undefined {
  const path = ['phases', phase, index] as const;
  const kind = operationKindOf(source, phase, index, item, problems);
  if (kind === undefined) return undefined;
  const record = item as Record<string, unknown>;
  const op = findOperation(kind)!;
  const specPath = [...path, kind];
  const meta = splitMeta(source, specPath, path, record[kind], record);
  problems.push(...meta.metaProblems);
  if (!op.allowedPhases.includes(phase)) {
    problems.push({
      at: source.locateKey(path, kind),
      message: `\`${kind}\` cannot be listed under ${phase}`,
      hint: `list it under ${op.allowedPhases.join(' or ')}`,
    });
  }
  const parsed = op.schema.safeParse(meta.spec ?? {});
  if (!parsed.success) {
    problems.push(...zodIssuesToProblems(parsed.error.issues, specPath, op.schema, source, kind));
    return undefined;
  }
  const phases = op.phasesOf?.(parsed.data) ?? op.allowedPhases;
  if (op.allowedPhases.includes(phase) && !phases.includes(phase)) {
    problems.push({
      at: source.locateKey(path, kind),
      message: `\`${kind}\` with these fields spans phases from expand to contract: it cannot be listed under ${phase}`,
      hint: `list it under ${phases.join(' or ')}`,
    });
  }
  const { id, lint, ifExists } = meta;
  const entry: PlanEntry = {
    id: id ?? '',
    explicitId: id !== undefined,
    phase,
    index,
    kind,
    op,
    spec: parsed.data,
    raw: meta.spec,
    hash: sha256(JSON.stringify([kind, meta.spec, lint ?? null, ...(ifExists ? [ifExists] : [])])),
    at: source.locate(path),
    path: specPath,
  };
  if (lint) entry.lint = lint;
  if (ifExists === 'adopt') return adopting(source, entry, meta.ifExistsPath ?? path, problems);
  return entry;
}

/** The one operation a step names, or undefined with the problem said (not a mapping, none, several, unknown). */
function operationKindOf(
  source: YamlSource,
  phase: Phase,
  index: number,
  item: unknown,
  problems: PlanProblem[],
): string | undefined {
  const path = ['phases', phase, index] as const;
  const at = source.locate(path);
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    problems.push({
      at,
      message: `step ${index + 1} of ${phase} is not an operation`,
      hint: 'write a step as `- add_column: { table: ..., column: { ... } }`',
    });
    return undefined;
  }
  const keys = Object.keys(item);
  const unknown = keys.filter((k) => !findOperation(k) && !(STEP_META_KEYS as readonly string[]).includes(k));
  for (const key of unknown) {
    problems.push({
      at: source.locateKey(path, key),
      message: `unknown operation \`${key}\``,
      hint: didYouMean(key, OPERATION_KINDS) ?? `operations are: ${OPERATION_KINDS.join(', ')}`,
    });
  }
  const kinds = keys.filter((k) => findOperation(k));
  if (kinds.length === 1) return kinds[0];
  if (kinds.length > 1)
    problems.push({
      at,
      message: `one step lists ${kinds.length} operations (${kinds.join(', ')})`,
      hint: 'give each operation its own `- ` list item',
    });
  else if (unknown.length === 0)
    problems.push({
      at,
      message: `step ${index + 1} of ${phase} names no operation`,
      hint: `start the step with one of: ${OPERATION_KINDS.join(', ')}`,
    });
  return undefined;
}

/** `if_exists: adopt`, unless the operation would damage what it adopts. */
function adopting(
  source: YamlSource,
  entry: PlanEntry,
  ifExistsPath: readonly (string | number)[],
  problems: PlanProblem[],
): PlanEntry | undefined {
  const refusal = entry.op.adoptRefusal?.(entry.spec);
  if (refusal) {
    problems.push({
      at: source.locate(ifExistsPath),
      message: `\`if_exists: adopt\` cannot apply to this ${entry.kind}: ${refusal.reason}`,
      hint: refusal.hint,
    });
    return undefined;
  }
  entry.adopt = true;
  return entry;
}

/** `id`, `lint` and `if_exists` may sit beside the operation key or inside its mapping. */
function splitMeta(
  source: YamlSource,
  specPath: (string | number)[],
  stepPath: readonly (string | number)[],
  raw: unknown,
  record: Record<string, unknown>,
) {
  const metaProblems: PlanProblem[] = [];
  let spec = raw;
  const meta: Record<string, unknown> = {};
  for (const key of STEP_META_KEYS) {
    if (key in record) meta[key] = { value: record[key], path: [...stepPath, key] };
  }
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const copy = { ...(raw as Record<string, unknown>) };
    for (const key of STEP_META_KEYS) {
      if (!(key in copy)) continue;
      if (key in meta)
        metaProblems.push({
          at: source.locateKey(specPath, key),
          message: `\`${key}\` is given twice for this step`,
          hint: `keep one \`${key}:\`, beside the operation or inside it`,
        });
      meta[key] = { value: copy[key], path: [...specPath, key] };
      delete copy[key];
    }
    spec = copy;
  }
  let id: string | undefined;
  let lint: LintSuppression | undefined;
  const idMeta = meta.id as { value: unknown; path: (string | number)[] } | undefined;
  if (idMeta) {
    const r = stepIdSchema.safeParse(idMeta.value);
    if (r.success) id = r.data;
    else metaProblems.push(...zodIssuesToProblems(r.error.issues, idMeta.path, stepIdSchema, source, 'step id'));
  }
  const lintMeta = meta.lint as { value: unknown; path: (string | number)[] } | undefined;
  if (lintMeta) {
    const r = lintSuppressionSchema.safeParse(lintMeta.value);
    if (r.success) lint = r.data;
    else
      metaProblems.push(...zodIssuesToProblems(r.error.issues, lintMeta.path, lintSuppressionSchema, source, 'lint'));
  }
  let ifExists: 'adopt' | 'error' | undefined;
  const ifExistsMeta = meta.if_exists as { value: unknown; path: (string | number)[] } | undefined;
  if (ifExistsMeta) {
    const r = ifExistsSchema.safeParse(ifExistsMeta.value);
    if (r.success) ifExists = r.data;
    else
      metaProblems.push(...zodIssuesToProblems(r.error.issues, ifExistsMeta.path, ifExistsSchema, source, 'if_exists'));
  }
  return { spec, id, lint, ifExists, ifExistsPath: ifExistsMeta?.path, metaProblems };
}

function assignIds(entries: PlanEntry[], source: YamlSource, problems: PlanProblem[]): void {
  const seen = new Map<string, PlanEntry>();
  for (const entry of entries.filter((e) => e.explicitId)) {
    const first = seen.get(entry.id);
    if (first) {
      const idInsideSpec = source.valueAt([...entry.path, 'id']) !== undefined;
      const at = idInsideSpec ? source.locateKey(entry.path, 'id') : source.locateKey(entry.path.slice(0, 3), 'id');
      problems.push({
        at,
        message: `duplicate step id \`${entry.id}\` (first used at line ${first.at.line})`,
        hint: 'step ids are the state keys of a run; give each step its own id',
      });
    } else seen.set(entry.id, entry);
  }
  for (const entry of entries.filter((e) => !e.explicitId)) {
    const base = `${entry.kind}:${entry.op.target(entry.spec)}`;
    let id = base;
    for (let n = 2; seen.has(id); n++) id = `${base}#${n}`;
    entry.id = id;
    seen.set(id, entry);
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
