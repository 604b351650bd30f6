/**
 * `schemashift validate` for people, like a compiler:
 *
 *   plans/x.yaml:12:11: error[require-concurrent-index-creation]: CREATE INDEX without CONCURRENTLY …
 *      |
 *   12 |           CREATE INDEX idx ON orders (customer_id);
 *      |           ^
 *     help: build it CONCURRENTLY …
 *
 *   1 plan(s), 1 error(s), 0 warning(s)
 */
import type { PlanReport } from './report.js';
import { summarize, summaryLine } from './report.js';
import type { Finding } from './types.js';

/** The colours used (the CLI's Paint fits). */
export interface TextPaint {
  bold(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

function excerpt(f: Finding, lines: string[] | undefined, paint: TextPaint): string[] {
  const source = lines?.[f.at.line - 1];
  if (source === undefined) return [];
  const gutter = String(f.at.line).length;
  const pad = ' '.repeat(gutter);
  const before = source.slice(0, Math.max(0, f.at.col - 1)).replace(/[^\t]/g, ' ');
  const caret = f.severity === 'error' ? paint.red('^') : paint.yellow('^');
  return [
    paint.cyan(`${pad} |`),
    `${paint.cyan(`${f.at.line} |`)} ${source}`,
    `${paint.cyan(`${pad} |`)} ${before}${caret}`,
  ];
}

function formatFinding(f: Finding, lines: string[] | undefined, paint: TextPaint): string {
  const label = f.severity === 'error' ? paint.red(`error[${f.rule}]`) : paint.yellow(`warning[${f.rule}]`);
  const out = [
    `${paint.bold(`${f.at.file}:${f.at.line}:${f.at.col}:`)} ${paint.bold(label)}: ${f.message}`,
    ...excerpt(f, lines, paint),
  ];
  if (f.help) out.push(`  ${paint.cyan('help:')} ${f.help.split('\n').join('\n        ')}`);
  return out.join('\n');
}

export function formatText(reports: PlanReport[], paint: TextPaint): string {
  const blocks: string[] = [];
  for (const report of reports) {
    const lines = report.text?.split(/\r?\n/);
    blocks.push(...report.findings.map((f) => formatFinding(f, lines, paint)));
  }
  blocks.push(summaryLine(summarize(reports)));
  return `${blocks.join('\n\n')}\n`;
}
