import { block, entryFinding } from '../finding.js';
import type { Finding, LintContext, Rule } from '../types.js';

/** Operations only: raw `sql` steps get a finding per statement from require-timeout-settings. */
export const accessExclusiveWithoutLockTimeout: Rule = {
  id: 'access-exclusive-without-lock-timeout',
  severity: 'error',
  description: 'An operation that takes an ACCESS EXCLUSIVE lock in a plan whose settings.lock_timeout is 0.',
  check(ctx: LintContext): Finding[] {
    if (ctx.plan.settings.lockTimeoutMs !== 0) return [];
    const setting = ctx.plan.locate(['settings', 'lock_timeout']);
    return ctx.compiled.entries
      .filter(({ entry }) => entry.kind !== 'sql')
      .flatMap(({ entry, steps }) => {
        const step = steps.find((s) => s.kind === 'sql' && s.lock.impact === 'blocks-all');
        if (!step || step.kind !== 'sql') return [];
        return [
          entryFinding(
            accessExclusiveWithoutLockTimeout,
            ctx.plan,
            entry,
            [],
            `${step.summary} takes an ${step.lock.level} lock on ${step.lock.on.join(', ')}, and the plan sets ` +
              `lock_timeout: 0 (line ${setting.line}): while it waits behind a long query, every read and write of ` +
              `the table queues behind it`,
            [
              'set a lock_timeout; schemashift retries each timed-out attempt with backoff and names the blocking ' +
                'sessions:',
              block(['settings:', '  lock_timeout: 2s', '  lock_retries: 10']),
            ].join('\n'),
          ),
        ];
      });
  },
};
