import { describe, expect, it } from 'vitest';
import { lint, rulesOf } from './helpers.js';

const plan = (phases: string, settings = '') => `name: t\n${settings}phases:\n${phases}`;
const where = async (yaml: string) => (await lint(yaml)).map((f) => [f.rule, f.at.line, f.at.col, f.severity]);

describe('drop-column-still-synced', () => {
  const sync =
    '    - add_column: { table: orders, column: { name: customer_id, type: bigint }, sync_from: client_id }\n';
  const backfill =
    '    - backfill: { table: orders, set: { customer_id: client_id }, where: customer_id IS NULL }\n    - check: { sql: "SELECT count(*) FROM orders WHERE customer_id IS NULL" }\n';

  it('flags dropping the synced source before contract (the trigger still reads it), at the column', async () => {
    const yaml = plan(
      `  expand:\n${sync}  migrate:\n${backfill}    - drop_column: { table: orders, column: client_id }\n`,
    );
    const findings = await lint(yaml);
    expect(
      findings.filter((f) => f.rule === 'drop-column-still-synced').map((f) => [f.at.line, f.at.col, f.stepId]),
    ).toEqual([[8, 45, 'drop_column:orders.client_id']]);
    expect(findings.map((f) => f.rule)).toContain('destructive-outside-contract');
    expect(findings.find((f) => f.rule === 'drop-column-still-synced')?.message).toMatch(
      /every INSERT and UPDATE on orders fails/,
    );
  });

  it('accepts dropping the source under contract: add_column removes its trigger at the start of contract', async () => {
    expect(
      await rulesOf(
        plan(
          `  expand:\n${sync}  migrate:\n${backfill}  contract:\n    - drop_column: { table: orders, column: client_id }\n`,
        ),
      ),
    ).toEqual([]);
  });

  it('flags raw SQL dropping the target while synced, and the target dropped in contract', async () => {
    const raw = '    - sql: { up: "ALTER TABLE orders DROP COLUMN customer_id" }\n';
    expect(await rulesOf(plan(`  expand:\n${sync}  migrate:\n${raw}`))).toEqual(
      ['drop-column-still-synced', 'destructive-outside-contract'].sort(),
    );
    const findings = await lint(
      plan(`  expand:\n${sync}  contract:\n    - drop_column: { table: orders, column: customer_id }\n`),
    );
    expect(findings.map((f) => f.rule)).toEqual(['drop-column-still-synced']);
    expect(findings[0]?.message).toMatch(/the migrated data is thrown away/);
  });

  it('knows rename_column and change_type triggers, and ignores other tables and columns', async () => {
    const rename = '    - rename_column: { table: orders, from: client_id, to: customer_id, type: bigint }\n';
    expect(
      await rulesOf(
        plan(`  expand:\n${rename}  migrate:\n    - sql: { up: "ALTER TABLE orders DROP COLUMN client_id" }\n`),
      ),
    ).toContain('drop-column-still-synced');
    const change = '    - change_type: { table: items, column: product_id, type: bigint }\n';
    expect(
      await rulesOf(
        plan(`  expand:\n${change}  migrate:\n    - sql: { up: "ALTER TABLE items DROP COLUMN product_id_new" }\n`),
      ),
    ).toContain('drop-column-still-synced');
    expect(
      await rulesOf(
        plan(
          `  expand:\n${sync}  contract:\n    - drop_column: { table: customers, column: client_id }\n    - drop_column: { table: orders, column: note }\n`,
        ),
      ),
    ).toEqual([]);
  });
});

describe('flag-rollout-incomplete', () => {
  const rename = '    - rename_column: { table: orders, from: client_id, to: customer_id, type: bigint }\n';

  it('flags a rollout that stops below 100% before contract drops the old column, at its stages', async () => {
    const yaml = plan(
      `  expand:\n${rename}  migrate:\n    - flag_rollout: { flag: UseCustomerId, stages: [10, 50] }\n`,
    );
    const findings = await lint(yaml);
    expect(findings.map((f) => [f.rule, f.at.line, f.at.col, f.stepId])).toEqual([
      ['flag-rollout-incomplete', 6, 44, 'flag_rollout:UseCustomerId'],
    ]);
    expect(findings[0]?.message).toMatch(/stops at 50%/);
    expect(findings[0]?.help).toContain('- flag_rollout: { flag: UseCustomerId, stages: [10, 50, 100] }');
  });

  it('accepts a rollout that reaches 100%, also through a second rollout of the same flag', async () => {
    expect(
      await rulesOf(
        plan(`  expand:\n${rename}  migrate:\n    - flag_rollout: { flag: UseCustomerId, stages: [10, 50, 100] }\n`),
      ),
    ).toEqual([]);
    const twice =
      '    - flag_rollout: { flag: UseCustomerId, stages: [10] }\n    - flag_rollout: { flag: UseCustomerId, stages: [100] }\n';
    expect(await rulesOf(plan(`  expand:\n${rename}  migrate:\n${twice}`))).toEqual([]);
  });

  it('flags a rollout that only reaches 100% after contract removed the old path', async () => {
    const yaml = plan(
      `  contract:\n    - drop_column: { table: orders, column: client_id }\n    - flag_rollout: { flag: UseCustomerId, stages: [100] }\n`,
    );
    expect(await rulesOf(yaml)).toEqual(['flag-rollout-incomplete']);
  });

  it('ignores incomplete rollouts when contract removes nothing', async () => {
    expect(
      await rulesOf(
        plan(
          '  migrate:\n    - flag_rollout: { flag: Beta, stages: [5] }\n  contract:\n    - set_not_null: { table: orders, column: a }\n',
        ),
      ),
    ).toEqual([]);
  });
});

describe('backfill-not-idempotent', () => {
  it('flags a set expression that reads the column it writes, at that column', async () => {
    const findings = await where(
      plan('  migrate:\n    - backfill: { table: orders, set: { amount: amount * 100 } }\n'),
    );
    expect(findings).toEqual([['backfill-not-idempotent', 4, 49, 'warning']]);
  });

  it('flags a volatile set with no where, and a swap of two columns', async () => {
    expect(
      await rulesOf(plan('  migrate:\n    - backfill: { table: orders, set: { token: gen_random_uuid() } }\n')),
    ).toEqual(['backfill-not-idempotent']);
    expect(await rulesOf(plan('  migrate:\n    - backfill: { table: orders, set: { a: b, b: a } }\n'))).toEqual([
      'backfill-not-idempotent',
      'backfill-not-idempotent',
    ]);
  });

  it('accepts a function of other columns, COALESCE(x, …), and a where that skips rows already done', async () => {
    expect(
      await rulesOf(plan('  migrate:\n    - backfill: { table: orders, set: { amount_cents: amount * 100 } }\n')),
    ).toEqual([]);
    expect(
      await rulesOf(plan('  migrate:\n    - backfill: { table: orders, set: { note: "coalesce(note, \'\')" } }\n')),
    ).toEqual([]);
    expect(
      await rulesOf(
        plan(
          '  migrate:\n    - backfill: { table: orders, set: { token: gen_random_uuid() }, where: token IS NULL }\n',
        ),
      ),
    ).toEqual([]);
    const marked =
      '    - backfill: { table: orders, set: { amount: amount * 100, in_cents: "true" }, where: in_cents IS NOT TRUE }\n';
    expect(await rulesOf(plan(`  migrate:\n${marked}`))).toEqual([]);
  });

  it('the recipe writes a new column, or marks rows done', async () => {
    const [f] = await lint(plan('  migrate:\n    - backfill: { table: orders, set: { amount: amount * 100 } }\n'));
    expect(f?.help).toContain(
      '- backfill: { table: orders, set: { amount_new: "amount * 100" }, where: amount_new IS NULL }',
    );
  });
});

describe('missing-check-before-contract', () => {
  const add =
    '    - add_column: { table: orders, column: { name: customer_id, type: bigint }, sync_from: client_id }\n';
  const backfill = '    - backfill: { table: orders, set: { customer_id: client_id }, where: customer_id IS NULL }\n';
  const contract = '  contract:\n    - drop_column: { table: orders, column: client_id }\n';

  it('warns at the backfill when nothing checks it before contract drops the old column', async () => {
    const findings = await lint(plan(`  expand:\n${add}  migrate:\n${backfill}${contract}`));
    expect(findings.map((f) => [f.rule, f.at.line, f.severity])).toEqual([
      ['missing-check-before-contract', 6, 'warning'],
    ]);
    expect(findings[0]?.help).toContain(
      '- check: { sql: "SELECT count(*) FROM orders WHERE customer_id IS NULL", expect: 0 }',
    );
  });

  it('accepts a check between the backfill and contract; a plan with no removal needs none', async () => {
    const check = '    - check: { sql: "SELECT count(*) FROM orders WHERE customer_id IS NULL" }\n';
    expect(await rulesOf(plan(`  expand:\n${add}  migrate:\n${backfill}${check}${contract}`))).toEqual([]);
    expect(await rulesOf(plan(`  expand:\n${add}  migrate:\n${backfill}`))).toEqual([]);
    expect(await rulesOf(plan(`  migrate:\n${check}${backfill}${contract}`))).toEqual([
      'missing-check-before-contract',
    ]);
  });

  it('accepts a verify step between the backfill and contract (not one before the backfill), and suggests one', async () => {
    const verify = '    - verify: { table: orders, compare: { customer_id: client_id } }\n';
    expect(await rulesOf(plan(`  expand:\n${add}  migrate:\n${backfill}${verify}${contract}`))).toEqual([]);
    expect(await rulesOf(plan(`  expand:\n${add}  migrate:\n${verify}${backfill}${contract}`))).toEqual([
      'missing-check-before-contract',
    ]);
    const [f] = await lint(plan(`  expand:\n${add}  migrate:\n${backfill}${contract}`));
    expect(f?.help).toContain(
      '- verify: { table: orders, compare: { customer_id: "client_id" }, where: "customer_id IS NULL" }',
    );
  });

  it("counts composite operations' own verification", async () => {
    expect(
      await rulesOf(
        plan('  expand:\n    - rename_column: { table: orders, from: client_id, to: customer_id, type: bigint }\n'),
      ),
    ).toEqual([]);
  });
});

describe('access-exclusive-without-lock-timeout', () => {
  const zero = 'settings: { lock_timeout: 0 }\n';

  it('flags each operation that takes ACCESS EXCLUSIVE when lock_timeout is 0, naming the setting line', async () => {
    const yaml = plan(
      '  expand:\n    - add_column: { table: orders, column: { name: note, type: text } }\n    - create_index: { table: orders, name: idx_a, columns: [a] }\n',
      zero,
    );
    const findings = await lint(yaml);
    expect(findings.map((f) => [f.rule, f.at.line, f.at.col, f.stepId])).toEqual([
      ['access-exclusive-without-lock-timeout', 5, 7, 'add_column:orders.note'],
    ]);
    expect(findings[0]?.message).toContain('lock_timeout: 0 (line 2)');
  });

  it('accepts the default lock_timeout, and leaves raw sql steps to require-timeout-settings', async () => {
    expect(
      await rulesOf(plan('  expand:\n    - add_column: { table: orders, column: { name: note, type: text } }\n')),
    ).toEqual([]);
    expect(
      await rulesOf(plan('  expand:\n    - sql: { up: "ALTER TABLE orders ADD COLUMN note text" }\n', zero)),
    ).toEqual(['require-timeout-settings']);
  });
});
