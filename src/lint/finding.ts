import type { Plan, PlanEntry, YamlPath } from '../plan/types.js';
import type { Finding, RawSource, Rule } from './types.js';

/** A finding about a raw SQL statement, at `offset` inside its step's `up`. */
export function sqlFinding(
  rule: Rule,
  stmt: { source: RawSource },
  offset: number,
  message: string,
  help: string,
): Finding {
  return {
    rule: rule.id,
    severity: rule.severity,
    message,
    help,
    at: stmt.source.at(offset),
    stepId: stmt.source.entry.id,
  };
}

/** A finding about a plan step, at `path` inside its spec (the operation key when empty). */
export function entryFinding(
  rule: Rule,
  plan: Plan,
  entry: PlanEntry,
  path: YamlPath,
  message: string,
  help: string,
): Finding {
  return {
    rule: rule.id,
    severity: rule.severity,
    message,
    help,
    at: plan.locate([...entry.path, ...path]),
    stepId: entry.id,
  };
}

/** A SQL text as a YAML double-quoted scalar (JSON strings are valid YAML), for recipes. */
export function yamlString(text: string): string {
  return JSON.stringify(text);
}

/** Indent every line of a recipe so it reads as a block under `help:`. */
export function block(lines: string[]): string {
  return lines.map((l) => `  ${l}`).join('\n');
}
