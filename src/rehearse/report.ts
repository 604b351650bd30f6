/** How `schemashift test` shows a rehearsal: a compact table, or one JSON document (--json). */
import type { Rehearsal } from './rehearse.js';

export interface RehearsalContext {
  file: string;
  plan: string;
  database: string;
  seed: string;
}

interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
}

const MARK = { ok: '✔', already: '·', failed: '✖', 'not-run': ' ', skipped: '–' } as const;

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function stepTable(r: Rehearsal, p: Paint): string[] {
  const width = Math.min(64, Math.max(4, ...r.steps.map((s) => s.step.length)));
  const lines = [p.dim(`  ${pad('phase', 9)}${pad('step', width + 2)}${pad('result', 44)}ms`)];
  for (const s of r.steps) {
    const color = (t: string) => (s.result === 'failed' ? p.red(t) : s.result === 'not-run' ? p.dim(t) : t);
    const result = `${MARK[s.result]} ${s.detail}`;
    lines.push(color(`  ${pad(s.phase, 9)}${pad(s.step, width + 2)}${pad(result, 44)}${s.ms === null ? '' : s.ms}`));
  }
  return lines;
}

function rollbackLines(r: Rehearsal, p: Paint): string[] {
  return r.rollbacks.flatMap((rb) => {
    const mark =
      rb.result === 'ok' ? p.green(MARK.ok) : rb.result === 'failed' ? p.red(MARK.failed) : p.yellow(MARK.skipped);
    const head = `  ${mark} rollback after ${rb.after}: ${rb.result === 'skipped' ? 'skipped — ' : ''}${rb.detail}`;
    return [
      head,
      ...rb.differences.slice(0, 20).map((d) => p.red(`      ${d}`)),
      ...(rb.differences.length > 20 ? [`      … and ${rb.differences.length - 20} more`] : []),
    ];
  });
}

function verdict(r: Rehearsal, ctx: RehearsalContext, p: Paint): string {
  const seconds = `${(r.ms / 1000).toFixed(1)}s`;
  if (r.interrupted) return p.yellow(`rehearsal interrupted after ${seconds}; the scratch database is gone`);
  if (r.failure) return p.red(p.bold(`✖ rehearsal failed: ${r.failure.step}: ${r.failure.error}`));
  const rehearsed = r.rollbacks.filter((rb) => rb.result === 'ok').map((rb) => `after ${rb.after}`);
  const rollback = rehearsed.length > 0 ? `rollback rehearsed ${rehearsed.join(' and ')}` : 'no rollback rehearsed';
  return p.green(p.bold(`✔ rehearsal passed: ${r.steps.length} steps of ${ctx.file}, ${rollback} (${seconds})`));
}

export function rehearsalText(r: Rehearsal, ctx: RehearsalContext, p: Paint): string {
  const lines = [
    p.bold(`rehearsal of ${ctx.file} (${ctx.plan})`),
    p.dim(`  on ${ctx.database}`),
    p.dim(`  data: ${ctx.seed}`),
    '',
    ...stepTable(r, p),
    '',
    ...(r.rollbacks.length > 0 ? [...rollbackLines(r, p), ''] : []),
    verdict(r, ctx, p),
  ];
  return `${lines.join('\n')}\n`;
}

/** Stable: fields are only added; `version` changes otherwise. */
export function rehearsalJson(r: Rehearsal, ctx: RehearsalContext): string {
  const doc = {
    version: 1,
    file: ctx.file,
    plan: ctx.plan,
    database: ctx.database,
    seed: ctx.seed,
    ok: r.ok,
    interrupted: r.interrupted,
    failure: r.failure,
    steps: r.steps.map((s) => ({
      phase: s.phase,
      step: s.step,
      kind: s.kind,
      summary: s.summary,
      result: s.result,
      ms: s.ms,
      detail: s.detail,
      error: s.error ?? null,
    })),
    rollbacks: r.rollbacks,
    ms: r.ms,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
