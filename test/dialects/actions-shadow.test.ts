/**
 * Every shadow action, as each dialect renders it. Keyed by action kind, so a kind without a row
 * does not compile; a second dialect adds its column (`mssql`) next to `postgres`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { isUnsupported, type LockImpact, type Rendered } from '../../src/dialects/actions.js';
import { ColumnSyncProblem, type ShadowAction, type SwapCarry } from '../../src/dialects/actions-shadow.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { ensureSqlParser } from '../../src/dialects/postgres/sql/parser.js';

type Kind = ShadowAction['kind'];
interface Row<K extends Kind> {
  action: Extract<ShadowAction, { kind: K }>;
  /** The SQL, or for a long DO block the pattern of its parts that matter. */
  postgres: { sql: string | RegExp; impact: LockImpact };
}

const carry: SwapCarry = {
  sequence: 'app.orders_ref_seq',
  indexes: [
    { name: 'orders_ref_idx', building: 'orders_ref_idx_new' },
    { name: 'orders_ref_key', building: 'orders_ref_key_new', constraint: 'unique' },
  ],
  constraints: [{ name: 'ref_positive', building: 'ref_positive_new' }],
  default: '0',
  alsoLocks: ['refs'],
};
const swap = {
  view: 'sales.totals',
  building: 'sales.totals__new',
  retired: 'sales.totals__old',
  indexes: [{ final: 'totals_n_idx', building: 'totals_n_idx__new', retired: 'totals_n_idx__old' }],
};

const SYNC_FUNCTION = [
  'SELECT ((total * 100)::bigint) FROM app.orders LIMIT 0;',
  'DO $schemashift$',
  'BEGIN',
  "  IF EXISTS (SELECT 1 FROM pg_attrdef a JOIN pg_attribute c ON c.attrelid = a.adrelid AND c.attnum = a.adnum WHERE a.adrelid = to_regclass('app.orders') AND c.attname = 'total_cents') THEN",
  "    RAISE EXCEPTION USING MESSAGE = 'app.orders.total_cents has a DEFAULT the plan does not declare: the sync trigger tells which application version wrote a row by whether it is left at its default', HINT = 'declare it in the plan (as the catalog shows it), or drop it before the plan and set it again in contract';",
  '  END IF;',
  'END',
  '$schemashift$;',
  'CREATE OR REPLACE FUNCTION app.sync_fn() RETURNS trigger',
  'LANGUAGE plpgsql AS $schemashift$',
  'BEGIN',
  "  IF TG_OP = 'INSERT' THEN",
  '    IF NEW.total_cents IS NULL THEN NEW.total_cents := (NEW.total * 100)::bigint; END IF;',
  '  ELSE',
  '    IF NOT ROW(NEW.total_cents)::record *= ROW(OLD.total_cents)::record THEN',
  '      NULL;',
  '    ELSIF NOT ROW(NEW.total)::record *= ROW(OLD.total)::record THEN',
  '      NEW.total_cents := (NEW.total * 100)::bigint;',
  '    END IF;',
  '  END IF;',
  '  RETURN NEW;',
  'END',
  '$schemashift$',
].join('\n');

const ROWS: { [K in Kind]: Row<K>[] } = {
  'install-sync-function': [
    {
      action: {
        kind: 'install-sync-function',
        sync: { table: 'app.orders', from: 'total', to: 'total_cents', forward: '(total * 100)::bigint' },
        function: 'app.sync_fn',
      },
      postgres: { sql: SYNC_FUNCTION, impact: 'blocks-ddl' },
    },
  ],
  'install-sync-trigger': [
    {
      action: { kind: 'install-sync-trigger', table: 'app.orders', trigger: 'sync_trg', function: 'app.sync_fn' },
      postgres: {
        sql: 'CREATE TRIGGER sync_trg BEFORE INSERT OR UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.sync_fn()',
        impact: 'blocks-writes',
      },
    },
  ],
  'remove-sync-trigger': [
    {
      action: { kind: 'remove-sync-trigger', table: 'app.orders', trigger: 'sync_trg' },
      postgres: { sql: 'DROP TRIGGER IF EXISTS sync_trg ON app.orders', impact: 'blocks-all' },
    },
  ],
  'remove-sync-function': [
    {
      action: { kind: 'remove-sync-function', function: 'app.sync_fn' },
      postgres: { sql: 'DROP FUNCTION IF EXISTS app.sync_fn()', impact: 'none' },
    },
  ],
  'add-not-null-check': [
    {
      action: { kind: 'add-not-null-check', table: 'user', column: 'order', check: 'order_nn' },
      postgres: {
        sql: 'ALTER TABLE "user" ADD CONSTRAINT order_nn CHECK ("order" IS NOT NULL) NOT VALID',
        impact: 'blocks-all',
      },
    },
  ],
  'validate-not-null-check': [
    {
      action: { kind: 'validate-not-null-check', table: 'user', column: 'order', check: 'order_nn' },
      postgres: { sql: 'ALTER TABLE "user" VALIDATE CONSTRAINT order_nn', impact: 'blocks-ddl' },
    },
  ],
  'set-not-null': [
    {
      action: { kind: 'set-not-null', table: 'user', column: 'order' },
      postgres: { sql: 'ALTER TABLE "user" ALTER COLUMN "order" SET NOT NULL', impact: 'blocks-all' },
    },
  ],
  'drop-not-null-check': [
    {
      action: { kind: 'drop-not-null-check', table: 'user', check: 'order_nn' },
      postgres: { sql: 'ALTER TABLE "user" DROP CONSTRAINT IF EXISTS order_nn', impact: 'blocks-all' },
    },
  ],
  'drop-not-null': [
    {
      action: { kind: 'drop-not-null', table: 'user', column: 'order' },
      postgres: { sql: 'ALTER TABLE "user" ALTER COLUMN "order" DROP NOT NULL', impact: 'blocks-all' },
    },
  ],
  'set-column-collation': [
    {
      action: {
        kind: 'set-column-collation',
        table: 'app.orders',
        column: 'ref_new',
        type: 'text',
        collation: 'public.en_US.utf8',
      },
      postgres: {
        sql: 'ALTER TABLE app.orders ALTER COLUMN ref_new TYPE text COLLATE "public"."en_US.utf8"',
        impact: 'blocks-all',
      },
    },
  ],
  'set-column-comment': [
    {
      action: { kind: 'set-column-comment', table: 'app.orders', column: 'ref_new', comment: "the customer's ref" },
      postgres: { sql: "COMMENT ON COLUMN app.orders.ref_new IS 'the customer''s ref'", impact: 'blocks-ddl' },
    },
  ],
  'grant-column-privileges': [
    {
      action: {
        kind: 'grant-column-privileges',
        table: 'app.orders',
        column: 'ref_new',
        privileges: ['SELECT', 'UPDATE'],
        grantee: { role: 'PUBLIC' },
      },
      postgres: { sql: 'GRANT SELECT (ref_new), UPDATE (ref_new) ON app.orders TO "PUBLIC"', impact: 'none' },
    },
    {
      action: {
        kind: 'grant-column-privileges',
        table: 'orders',
        column: 'ref',
        privileges: ['SELECT'],
        grantee: { public: true },
      },
      postgres: { sql: 'GRANT SELECT (ref) ON orders TO PUBLIC', impact: 'none' },
    },
  ],
  'drop-old-column': [
    {
      action: { kind: 'drop-old-column', table: 'app.orders', trigger: 'sync_trg', old: 'ref', final: 'ref_id', carry },
      postgres: {
        sql: [
          'DROP TRIGGER IF EXISTS sync_trg ON app.orders',
          'ALTER SEQUENCE app.orders_ref_seq OWNED BY NONE',
          'ALTER TABLE app.orders DROP COLUMN IF EXISTS ref',
          'ALTER INDEX app.orders_ref_idx_new RENAME TO orders_ref_idx',
          'ALTER TABLE app.orders ADD CONSTRAINT orders_ref_key UNIQUE USING INDEX orders_ref_key_new',
          'ALTER TABLE app.orders RENAME CONSTRAINT ref_positive_new TO ref_positive',
          'ALTER TABLE app.orders ALTER COLUMN ref_id SET DEFAULT 0',
          'ALTER SEQUENCE app.orders_ref_seq OWNED BY app.orders.ref_id',
        ].join(';\n'),
        impact: 'blocks-all',
      },
    },
  ],
  'swap-in-column': [
    {
      action: {
        kind: 'swap-in-column',
        table: 'orders',
        trigger: 'sync_trg',
        old: 'ref',
        replacement: 'ref_new',
        type: 'bigint',
        carry: { indexes: [], constraints: [], alsoLocks: [] },
      },
      postgres: {
        sql: [
          'DROP TRIGGER IF EXISTS sync_trg ON orders',
          'ALTER TABLE orders DROP COLUMN ref',
          'ALTER TABLE orders RENAME COLUMN ref_new TO ref',
        ].join(';\n'),
        impact: 'blocks-all',
      },
    },
  ],
  'drop-added-column': [
    {
      action: { kind: 'drop-added-column', table: 'orders', column: 'ref_new' },
      postgres: { sql: 'ALTER TABLE orders DROP COLUMN IF EXISTS ref_new', impact: 'blocks-all' },
    },
  ],
  'drop-synced-column': [
    {
      action: {
        kind: 'drop-synced-column',
        table: 'sales.orders',
        column: 'legacy',
        trigger: 'schemashift_sync_orders_legacy',
        function: 'sales.schemashift_sync_orders_legacy',
        cascade: false,
      },
      postgres: {
        sql:
          'DROP TRIGGER IF EXISTS schemashift_sync_orders_legacy ON sales.orders;\n' +
          'DROP FUNCTION IF EXISTS sales.schemashift_sync_orders_legacy();\n' +
          'ALTER TABLE sales.orders DROP COLUMN IF EXISTS legacy',
        impact: 'blocks-all',
      },
    },
  ],
  'create-materialized-view': [
    {
      action: {
        kind: 'create-materialized-view',
        name: 'sales.totals',
        query: 'SELECT n FROM sales.orders;',
        withData: false,
      },
      postgres: {
        sql: 'CREATE MATERIALIZED VIEW sales.totals AS\nSELECT n FROM sales.orders\nWITH NO DATA',
        impact: 'blocks-ddl',
      },
    },
  ],
  'drop-materialized-view': [
    {
      action: { kind: 'drop-materialized-view', name: 'sales.totals' },
      // Refused, naming them, while anything depends on it: never CASCADE.
      postgres: {
        sql: /^DO \$schemashift\$\n[^]*RAISE EXCEPTION[^]*\n {2}DROP MATERIALIZED VIEW IF EXISTS sales\.totals;\nEND\n\$schemashift\$$/,
        impact: 'blocks-all',
      },
    },
  ],
  'refresh-materialized-view': [
    {
      action: { kind: 'refresh-materialized-view', name: 'totals', concurrently: false },
      postgres: { sql: 'REFRESH MATERIALIZED VIEW totals', impact: 'blocks-all' },
    },
    {
      action: { kind: 'refresh-materialized-view', name: 'totals', concurrently: true },
      postgres: { sql: 'REFRESH MATERIALIZED VIEW CONCURRENTLY totals', impact: 'blocks-writes' },
    },
  ],
  'create-view-index': [
    {
      action: {
        kind: 'create-view-index',
        view: 'sales.totals__new',
        name: 'totals_n_key__new',
        columns: ['n', 'Day'],
        unique: true,
      },
      postgres: {
        sql: 'CREATE UNIQUE INDEX totals_n_key__new ON sales.totals__new (n, "Day")',
        impact: 'blocks-writes',
      },
    },
  ],
  'swap-materialized-view': [
    {
      action: { kind: 'swap-materialized-view', ...swap },
      postgres: {
        // Dependents read from the catalog and dropped before the renames, recreated after them.
        sql: new RegExp(
          [
            "\\n {2}PERFORM set_config\\('schemashift\\.carried_dependents', v_dependents::text, true\\);\\nEND\\n\\$schemashift\\$",
            'ALTER INDEX IF EXISTS sales\\.totals_n_idx RENAME TO totals_n_idx__old',
            'ALTER MATERIALIZED VIEW sales\\.totals RENAME TO totals__old',
            'ALTER MATERIALIZED VIEW sales\\.totals__new RENAME TO totals',
            'ALTER INDEX sales\\.totals_n_idx__new RENAME TO totals_n_idx',
            "DO \\$schemashift\\$\\n[^]*current_setting\\('schemashift\\.carried_dependents', true\\)",
          ].join(';\\n'),
        ),
        impact: 'blocks-all',
      },
    },
  ],
  'swap-back-materialized-view': [
    {
      action: { kind: 'swap-back-materialized-view', ...swap },
      postgres: {
        sql: new RegExp(
          [
            "\\nBEGIN\\n {2}IF to_regclass\\('sales\\.totals__old'\\) IS NOT NULL THEN\\n[^]*",
            '    ALTER INDEX IF EXISTS sales\\.totals_n_idx RENAME TO totals_n_idx__new;',
            '    ALTER MATERIALIZED VIEW sales\\.totals RENAME TO totals__new;',
            '    ALTER MATERIALIZED VIEW sales\\.totals__old RENAME TO totals;',
            '    ALTER INDEX IF EXISTS sales\\.totals_n_idx__old RENAME TO totals_n_idx;\\n[^]*',
            '  END IF;\\nEND\\n\\$schemashift\\$$',
          ].join('\\n'),
        ),
        impact: 'blocks-all',
      },
    },
  ],
};

function render(action: ShadowAction): Rendered {
  const rendered = (postgres.ddl[action.kind] as (a: ShadowAction) => ReturnType<(typeof postgres.ddl)[Kind]>)(action);
  if (isUnsupported(rendered)) throw new Error(`unsupported: ${rendered.unsupported}`);
  return rendered;
}

describe('shadow actions rendered by each dialect', () => {
  beforeAll(ensureSqlParser);
  const rows = Object.values(ROWS).flat() as Row<Kind>[];
  it.each(rows.map((r) => [r.action.kind, r] as const))('%s', (_kind, row) => {
    const rendered = render(row.action);
    if (typeof row.postgres.sql === 'string') expect(rendered.sql).toBe(row.postgres.sql);
    else expect(rendered.sql).toMatch(row.postgres.sql);
    expect(rendered.lock.impact).toBe(row.postgres.impact);
    expect(rendered.transactional).toBe(true);
  });

  it('refuses a sync it cannot install when asked to check it', () => {
    const sync = { table: 'orders', from: 'a', to: 'b', forward: '(SELECT max(a) FROM orders)' };
    expect(() => render({ kind: 'install-sync-function', sync, function: 'sync_fn', checkOnly: true })).toThrow(
      ColumnSyncProblem,
    );
  });
});
