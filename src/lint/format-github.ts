/**
 * `schemashift validate --format github`: GitHub Actions workflow commands, one per finding, so that
 * each shows as an annotation on the plan file's line in the pull request.
 * https://docs.github.com/actions/reference/workflow-commands-for-github-actions
 */
import type { PlanReport } from './report.js';
import { summarize, summaryLine } from './report.js';
import type { Finding } from './types.js';

/** Message text: %, CR and LF are escaped. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Property values: also `:` and `,`, which separate properties. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(f: Finding): string {
  const props = [
    `file=${escapeProperty(f.at.file)}`,
    `line=${f.at.line}`,
    `col=${f.at.col}`,
    `title=${escapeProperty(`schemashift ${f.rule}`)}`,
  ];
  return `::${f.severity} ${props.join(',')}::${escapeData(`${f.message}\nhelp: ${f.help}`)}`;
}

export function formatGithub(reports: PlanReport[]): string {
  const lines = reports.flatMap((r) => r.findings.map(command));
  lines.push(summaryLine(summarize(reports)));
  return `${lines.join('\n')}\n`;
}
