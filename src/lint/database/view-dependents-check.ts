/**
 * db-view-dependents / db-view-dependent-unsupported: what reads a materialized view that
 * replace_materialized_view swaps, found in the live database (recursively). The swap recreates
 * views, materialized views and functions against the new view, so each is listed as a warning (a
 * dependent materialized view with its size: it is rebuilt while the swap holds its locks); anything
 * else makes the swap refuse, an error here.
 */
import type { Queryable } from '../../db/connection.js';
import type { ViewDependent } from '../../dialects/actions-shadow.js';
import type { CompiledPlan } from '../../plan/compile.js';
import type { PlanEntry } from '../../plan/types.js';
import type { Finding } from '../types.js';
import { bytesText, durationText, SCAN_BYTES_PER_SECOND } from './sizes.js';

const via = (d: ViewDependent): string => (d.depth > 1 ? ' (through another dependent)' : '');

function recreated(view: string, d: ViewDependent): Omit<Finding, 'at'> {
  const rebuild =
    d.kind === 'materialized view'
      ? ` and refills it (a refresh run as its owner) while readers of ${view} wait` +
        (d.bytes === undefined
          ? ''
          : ` (${bytesText(d.bytes)} now: expect ${durationText(d.bytes / SCAN_BYTES_PER_SECOND)} or more)`)
      : '';
  return {
    rule: 'db-view-dependents',
    severity: 'warning',
    message:
      `${d.kind} ${d.name} reads ${view}${via(d)}: the swap recreates it against the new ${view}, with its ` +
      `owner, grants and comments${rebuild}`,
    help:
      d.kind === 'materialized view'
        ? 'fine for a small view; for a big one, make it read another relation before the swap (or drop it and ' +
          'create it again after), so that the swap stays short'
        : 'nothing to do: the dependent keeps its definition and reads the new view right after the swap',
  };
}

function refused(view: string, d: ViewDependent): Omit<Finding, 'at'> {
  return {
    rule: 'db-view-dependent-unsupported',
    severity: 'error',
    message:
      `${d.name} depends on ${view}${via(d)}, and the swap can recreate only views, materialized views and ` +
      'functions: it would refuse',
    help: `make it read another relation (or drop it) before the swap, and put it back after`,
  };
}

function ignores(entry: PlanEntry, rule: string): boolean {
  return entry.lint?.ignore.includes(rule) ?? false;
}

export async function checkViewDependents(db: Queryable, compiled: CompiledPlan): Promise<Finding[]> {
  const read = compiled.dialect.introspect.viewDependents?.bind(compiled.dialect.introspect);
  if (!read) return [];
  const findings: Finding[] = [];
  for (const entry of compiled.plan.entries) {
    if (entry.kind !== 'replace_materialized_view') continue;
    const view = (entry.spec as { name: string }).name;
    const at = compiled.plan.locate([...entry.path, 'name']);
    for (const d of await read(db, view)) {
      const finding = d.kind === undefined ? refused(view, d) : recreated(view, d);
      if (!ignores(entry, finding.rule)) findings.push({ ...finding, at, stepId: entry.id });
    }
  }
  return findings;
}
