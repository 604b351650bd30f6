/** The order a fleet runs in: the canary group first and whole, then the rest, at most N at once. */
import type { FleetTarget } from './targets.js';

export interface TargetResult {
  name: string;
  group: string | null;
  exitCode: number;
  outcome: string;
  error?: string;
  /** The command to run next for this target, as its own hint says it. */
  next?: string;
}

export function notStarted(target: FleetTarget): TargetResult {
  return { name: target.name, group: target.group ?? null, exitCode: 0, outcome: 'not started' };
}

/** Run `start` over `targets`, `limit` at once; after the first non-zero exit no new target starts. */
async function pool(
  targets: FleetTarget[],
  limit: number,
  start: (t: FleetTarget) => Promise<TargetResult>,
  results: Map<string, TargetResult>,
  stopped: () => boolean,
): Promise<boolean> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && !stopped() && next < targets.length) {
      const target = targets[next++] as FleetTarget;
      const result = await start(target);
      results.set(target.name, result);
      if (result.exitCode !== 0) failed = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, targets.length) }, worker));
  return !failed;
}

/** `work` over every item, at most `limit` at once; results in the items' order. */
export async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const at = next++;
      results[at] = await work(items[at] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Results in file order; a target never started says so. */
export async function runFleetInOrder(
  targets: FleetTarget[],
  limit: number,
  start: (t: FleetTarget) => Promise<TargetResult>,
  stopped: () => boolean = () => false,
): Promise<TargetResult[]> {
  const results = new Map<string, TargetResult>();
  const canary = targets.filter((t) => t.group === 'canary');
  const rest = targets.filter((t) => t.group !== 'canary');
  if (await pool(canary, limit, start, results, stopped)) await pool(rest, limit, start, results, stopped);
  return targets.map((t) => results.get(t.name) ?? notStarted(t));
}

/** The fleet's exit code: an interruption wins, else the worst (highest) target code. */
export function fleetExitCode(results: TargetResult[]): number {
  const codes = results.map((r) => r.exitCode);
  if (codes.includes(130)) return 130;
  return Math.max(0, ...codes);
}

export function summaryTable(results: TargetResult[], columns = ['target', 'group', 'outcome', 'exit']): string {
  const rows = [
    columns,
    ...results.map((r) => [
      r.name,
      r.group ?? '-',
      // One line per target: a multi-line gate or error message would break the table.
      (r.error ? `${r.outcome}: ${r.error}` : r.outcome).replace(/\s*\n\s*/g, '; '),
      String(r.exitCode),
    ]),
  ];
  const widths = columns.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
