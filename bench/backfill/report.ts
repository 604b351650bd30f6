/** Printing the benchmark's tables and writing its JSON. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export const seconds = (ms: number) => (ms / 1000).toFixed(2);
export const perSecond = (rows: number, ms: number) => Math.round(rows / (ms / 1000)).toLocaleString('en-US');
export const ratio = (x: number) => `${x.toFixed(2)}×`;
export const millis = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(1) : '—');

export interface Target {
  name: string;
  target: string;
  value: string;
  met: boolean;
}

export function targetsTable(targets: Target[]): string {
  return table(
    ['target', 'wanted', 'measured', ''],
    targets.map((t) => [t.name, t.target, t.value, t.met ? 'met' : 'MISSED']),
  );
}

export function writeResults(dir: string, rows: number, result: unknown): string {
  mkdirSync(dir, { recursive: true });
  const date = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  const file = join(dir, `${date}-${rows}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
