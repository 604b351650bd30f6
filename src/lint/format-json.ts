/**
 * `schemashift validate --format json`: one JSON document on stdout. Stable: fields are only ever
 * added, and `version` changes if one is removed or changes meaning.
 *
 * {
 *   "version": 1,
 *   "plans": [
 *     {
 *       "file": "plans/rename-orders-client-id.yaml",  // as given or found, relative to the working directory
 *       "name": "rename-orders-client-id",             // null when the file is not a valid plan
 *       "valid": true,                                 // false: the findings are its problems, rule "invalid-plan"
 *       "findings": [
 *         {
 *           "rule": "require-concurrent-index-creation",  // kebab-case id; docs/rules/<rule>.md
 *           "severity": "error",                         // "error" | "warning"
 *           "message": "CREATE INDEX without CONCURRENTLY blocks …",
 *           "help": "build it CONCURRENTLY …",           // the safe recipe; may span several lines
 *           "file": "plans/rename-orders-client-id.yaml",
 *           "line": 12,                                  // 1-based
 *           "column": 11,                                // 1-based, in characters
 *           "step": "sql:orders"                         // the step id, null when not about one step
 *         }
 *       ]
 *     }
 *   ],
 *   "summary": { "plans": 1, "errors": 1, "warnings": 0, "invalid": 0 }
 * }
 *
 * Exit code: 2 when any plan is invalid, else 1 when any finding is an error, else 0.
 */
import type { PlanReport } from './report.js';
import { summarize } from './report.js';

export function formatJson(reports: PlanReport[]): string {
  const document = {
    version: 1,
    plans: reports.map((r) => ({
      file: r.file,
      name: r.name,
      valid: r.valid,
      findings: r.findings.map((f) => ({
        rule: f.rule,
        severity: f.severity,
        message: f.message,
        help: f.help,
        file: f.at.file,
        line: f.at.line,
        column: f.at.col,
        step: f.stepId ?? null,
      })),
    })),
    summary: summarize(reports),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
