import type { Finding } from './types.js';

/** What `validate` found in one plan file. */
export interface PlanReport {
  file: string;
  /** The plan's name; null when the file is not a valid plan. */
  name: string | null;
  valid: boolean;
  /** Lint findings, or for an invalid plan its problems as `invalid-plan` errors; in file order. */
  findings: Finding[];
  /** The file's text, for source excerpts (undefined when it could not be read). */
  text?: string;
}

export interface ReportSummary {
  plans: number;
  errors: number;
  warnings: number;
  invalid: number;
}

export function summarize(reports: PlanReport[]): ReportSummary {
  const all = reports.flatMap((r) => r.findings);
  return {
    plans: reports.length,
    errors: all.filter((f) => f.severity === 'error').length,
    warnings: all.filter((f) => f.severity === 'warning').length,
    invalid: reports.filter((r) => !r.valid).length,
  };
}

/** 2 when any plan is invalid, 1 when any finding is an error, else 0 (warnings pass). */
export function exitCodeOf(summary: ReportSummary): number {
  if (summary.invalid > 0) return 2;
  return summary.errors > 0 ? 1 : 0;
}

export function summaryLine(s: ReportSummary): string {
  return `${s.plans} plan(s), ${s.errors} error(s), ${s.warnings} warning(s)${
    s.invalid > 0 ? `, ${s.invalid} invalid plan(s)` : ''
  }`;
}
