/** sync-trigger-output-clause: a SQL Server plan that enables a sync trigger warns about OUTPUT without INTO. */
import { describe, expect, it } from 'vitest';
import { lint } from './helpers.js';

const plan = (phases: string, dialect = 'dialect: mssql\n') => `name: t\n${dialect}phases:\n${phases}`;
const only = async (yaml: string) => (await lint(yaml)).filter((f) => f.rule === 'sync-trigger-output-clause');

describe('sync-trigger-output-clause', () => {
  const rename = '  expand:\n    - rename_column: { table: orders, from: client_id, to: customer_id, type: bigint }\n';

  it('warns once per sync trigger, at its step, naming the table, the trigger and both fixes', async () => {
    const findings = await only(plan(rename));
    expect(findings.map((f) => [f.severity, f.at.line, f.stepId])).toEqual([
      ['warning', 5, 'rename_column:orders.client_id'],
    ]);
    const [f] = findings;
    expect(f?.message).toBe(
      'rename_column:orders.client_id enables the sync trigger schemashift_sync_orders_customer_id on ' +
        'orders: from then on SQL Server refuses every INSERT, UPDATE or MERGE on orders with an OUTPUT clause ' +
        'without INTO (error 334), which EF Core 7+ sends by default when it saves',
    );
    expect(f?.help).toContain('before expand, deploy writers that work with a trigger on the table:');
    expect(f?.help).toContain('ToTable(t => t.HasTrigger("schemashift_sync_orders_customer_id"))');
    expect(f?.help).toContain('OUTPUT inserted.… INTO @written');
  });

  it('knows add_column sync_from and `up`, change_type, drop_column `down`, and a schema-qualified table', async () => {
    const findings = await only(
      plan(
        '  expand:\n' +
          '    - add_column: { table: sales.orders, column: { name: cents, type: bigint }, sync_from: total }\n' +
          '    - add_column: { table: posts, column: { name: code, type: "nvarchar(20)" }, up: "N\'P-\' + CAST(id AS nvarchar(20))" }\n' +
          '    - change_type: { table: items, column: product_id, type: bigint }\n' +
          '    - drop_column: { table: users, column: legacy, down: "CAST(id AS nvarchar(20))" }\n',
      ),
    );
    expect(findings.map((f) => /the sync trigger (\S+) on (\S+):/.exec(f.message)?.slice(1))).toEqual([
      ['schemashift_sync_orders_cents', 'sales.orders'],
      ['schemashift_sync_posts_code', 'posts'],
      ['schemashift_sync_items_product_id_new', 'items'],
      ['schemashift_sync_users_legacy', 'users'],
    ]);
  });

  it('says nothing for PostgreSQL plans, or for SQL Server plans without a sync trigger', async () => {
    expect(await only(plan(rename, ''))).toEqual([]);
    expect(
      await only(
        plan('  expand:\n    - add_column: { table: orders, column: { name: note, type: "nvarchar(40)" } }\n'),
      ),
    ).toEqual([]);
  });

  it('can be suppressed on the step, with a reason', async () => {
    const ignored = plan(
      '  expand:\n    - rename_column: { table: orders, from: client_id, to: customer_id, type: bigint }\n' +
        '      lint: { ignore: [sync-trigger-output-clause], reason: the app declares HasTrigger since 4.2 }\n',
    );
    expect(await only(ignored)).toEqual([]);
  });
});
