/** `schemashift plan` output: text for people, JSON for tools. Pure functions of a compiled plan. */
import { isReversible, type CompiledPlan, type CompiledStep } from '../plan/compile.js';
import type { Phase, Step } from '../operations/types.js';
import type { Paint } from './io.js';
import { PACE_LIMITS } from '../runner/backfill-pace.js';

export function formatMs(ms: number): string {
  if (ms === 0) return '0 (none)';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function statementOf(step: Step): string | undefined {
  switch (step.kind) {
    case 'sql':
      return step.sql;
    case 'backfill':
      return step.batchSql;
    case 'verify':
      return step.chunkSql;
    case 'check':
      return step.sql;
    default:
      return undefined;
  }
}

function lockOf(step: Step): { level: string; on: string[] } {
  if (step.kind === 'sql' || step.kind === 'backfill' || step.kind === 'verify')
    return { level: step.lock.level, on: step.lock.on };
  // The switch (and its undo, on green) holds writes off the replicated tables while it retires them.
  if (step.kind === 'replication' && (step.stage === 'switch' || step.stage === 'undo-switch'))
    return { level: 'SHARE ROW EXCLUSIVE', on: [step.stage === 'switch' ? "blue's replicated tables" : "green's"] };
  return { level: 'none', on: [] };
}

function detailLine(step: Step): string | undefined {
  switch (step.kind) {
    case 'backfill': {
      const b = step.batch;
      const parts = b.adaptive
        ? [
            `adaptive pace: from batches of ${b.size} with no delay, moved by probe commits, lock and WAL waiters, ` +
              `replica lag and batch time (at most ${PACE_LIMITS.batchCeilingMs}ms)`,
          ]
        : [`batches of ${b.size}`, `delay ${formatMs(b.delayMs)}`];
      if (b.targetMs !== undefined) parts.push(`target ${formatMs(b.targetMs)} per batch`);
      if (b.maxRowsPerSecond !== undefined) parts.push(`at most ${b.maxRowsPerSecond} rows/s`);
      if (b.workers !== undefined) parts.push(`${b.workers} batches at once on their own connections`);
      return `one transaction per batch, checkpoint committed with it: ${parts.join(', ')}`;
    }
    case 'verify': {
      const b = step.batch;
      const parts = [`chunks of ${b.size}`, `delay ${formatMs(b.delayMs)}`];
      if (b.targetMs !== undefined) parts.push(`target ${formatMs(b.targetMs)} per chunk`);
      if (b.maxRowsPerSecond !== undefined) parts.push(`at most ${b.maxRowsPerSecond} rows/s`);
      return (
        `one read-only transaction per chunk, checkpointed: ${parts.join(', ')}; fails, and contract ` +
        `waits, while any row differs`
      );
    }
    case 'check':
      return `passes when the query returns ${JSON.stringify(step.expect)}`;
    case 'gate':
      return `waits for a person: "${step.confirm}"`;
    case 'flag_rollout':
      return (
        `flag ${step.flag}: ${step.stages.join('% → ')}% (${step.filter ?? "the flag's own filter, else the store's default"}), hold ${formatMs(step.holdMs)} at each ` +
        `stage${step.guard ? `; guard ≤ ${step.guard.max}: ${step.guard.sql}` : ''}`
      );
    case 'replication':
      return step.actions.map((a, i) => `${i === 0 ? '' : '     '}- ${a}`).join('\n');
    default:
      return undefined;
  }
}

function reversibility(c: CompiledStep, plan: CompiledPlan): { reversible: boolean; text: string } {
  if (c.step.phase === 'contract') return { reversible: false, text: 'irreversible (contract)' };
  const compiled = plan.entries.find((e) => e.entry === c.entry);
  if (!compiled || !isReversible(compiled.inverse)) {
    return {
      reversible: false,
      text: `irreversible: ${compiled && !isReversible(compiled.inverse) ? compiled.inverse.irreversible : 'unknown'}`,
    };
  }
  return { reversible: true, text: 'reversible' };
}

export function renderPlanText(plan: CompiledPlan, only: Phase | undefined, p: Paint): string {
  const { plan: source } = plan;
  const s = source.settings;
  const lines: string[] = [
    `${p.bold(`plan ${source.name}`)}${source.description ? ` — ${source.description}` : ''}`,
    p.dim(
      `${source.file} · ${source.dialect} · lock_timeout ${formatMs(s.lockTimeoutMs)} ` +
        `· lock_retries ${s.lockRetries} ` +
        `· statement_timeout ${formatMs(s.statementTimeoutMs)}`,
    ),
  ];
  for (const phase of plan.phases) {
    if (only && phase.phase !== only) continue;
    const note = phase.phase === 'contract' ? ' — irreversible; always confirmed before it starts' : '';
    lines.push('', p.bold(`== ${phase.phase} ==`) + p.dim(note));
    if (phase.steps.length === 0) lines.push(p.dim('  (no steps)'));
    phase.steps.forEach((c, i) => {
      const { step } = c;
      const lock = lockOf(step);
      const rev = reversibility(c, plan);
      const tx = step.kind === 'sql' ? (step.transactional ? 'in a transaction' : 'outside a transaction') : step.kind;
      lines.push(`${String(i + 1).padStart(3)}. ${p.cyan(step.id)}  ${step.summary}`);
      const lockText = lock.level === 'none' ? 'no table lock' : `lock ${lock.level} on ${lock.on.join(', ')}`;
      lines.push(`     ${p.dim(`${lockText} · ${tx} · `)}${rev.reversible ? p.green(rev.text) : p.yellow(rev.text)}`);
      const detail = detailLine(step);
      if (detail) lines.push(`     ${detail}`);
      const sql = statementOf(step);
      if (sql)
        lines.push(
          ...sql
            .split('\n')
            .map((l) => `       ${l}`)
            .map((l, j, all) => (j === all.length - 1 && !l.endsWith(';') ? `${l};` : l)),
        );
    });
  }
  return `${lines.join('\n')}\n`;
}

export function planToJson(plan: CompiledPlan, only: Phase | undefined): unknown {
  const { plan: source } = plan;
  return {
    plan: {
      name: source.name,
      description: source.description ?? null,
      file: source.file,
      dialect: source.dialect,
      hash: source.hash,
      settings: {
        lock_timeout_ms: source.settings.lockTimeoutMs,
        lock_retries: source.settings.lockRetries,
        statement_timeout_ms: source.settings.statementTimeoutMs,
      },
    },
    phases: plan.phases
      .filter((phase) => !only || phase.phase === only)
      .map((phase) => ({
        phase: phase.phase,
        steps: phase.steps.map((c) => {
          const rev = reversibility(c, plan);
          const compiled = plan.entries.find((e) => e.entry === c.entry);
          return {
            id: c.step.id,
            operation: c.entry.kind,
            plan_step: c.entry.id,
            line: c.entry.at.line,
            kind: c.step.kind,
            summary: c.step.summary,
            sql: statementOf(c.step) ?? null,
            lock: lockOf(c.step),
            transactional: c.step.kind === 'sql' ? c.step.transactional : null,
            reversible: rev.reversible,
            irreversible_reason: rev.reversible ? null : rev.text.replace(/^irreversible:? ?/, ''),
            undo:
              rev.reversible && compiled && isReversible(compiled.inverse)
                ? compiled.inverse.steps.map((u) => statementOf(u) ?? u.summary)
                : null,
            details: detailLine(c.step) ?? null,
          };
        }),
      })),
  };
}
