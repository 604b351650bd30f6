/**
 * PostgreSQL for rename_table. The view under the old name is `SELECT *` of the renamed table: a
 * single-table view without joins or aggregates is automatically updatable, so INSERT (omitted
 * columns take the table's defaults, identity and serial values), UPDATE, DELETE, RETURNING and ON
 * CONFLICT keep working through it. `security_invoker` (PostgreSQL 15+) checks privileges and row
 * level security as the caller; the table's grants (table and column level) are copied to the view
 * at run time from the catalog, role names quoted by the server (format %I), privileges from a fixed list.
 */
import type { ActionRenderer } from '../actions.js';
import type { RenameTableAction } from '../actions-rename-table.js';
import { splitQualified } from '../dialect.js';
import { lockOf } from './lock-modes.js';
import { quoteIdent as ident, quoteLiteral as literal, quoteQualified as qualified } from './names.js';
import { inTableSchema, regclass } from './regclass.js';
import { dollarQuote } from './sql/statements.js';

/** The renamed table, in the old name's schema (as qualified as the plan's name). */
export const renamedTable = (a: { table: string; to: string }): string => inTableSchema(a.to, a.table);

const isTable = (name: string): string =>
  `EXISTS (SELECT 1 FROM pg_class WHERE oid = ${regclass(name)} AND relkind IN ('r', 'p'))`;

/** `view` is a view whose rule reads `table` (the one rename_table left under the old name). */
const isViewOf = (view: string, table: string): string =>
  `EXISTS (SELECT 1 FROM pg_class v JOIN pg_rewrite r ON r.ev_class = v.oid JOIN pg_depend d ON ` +
  `d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass ` +
  `WHERE v.oid = ${regclass(view)} AND v.relkind = 'v' AND d.refobjid = ${regclass(table)})`;

/** The table's privileges (its owner's included), table and column level, granted on the view to the same roles. */
function copyGrantsSql(view: string, table: string): string {
  const body = [
    'DECLARE',
    `  tbl regclass := ${regclass(table)};`,
    `  v regclass := ${regclass(view)};`,
    '  g record;',
    'BEGIN',
    '  FOR g IN',
    '    SELECT a.privilege_type AS privilege, a.grantee, a.is_grantable, NULL::name AS col',
    "      FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a WHERE c.oid = tbl",
    '    UNION ALL',
    '    SELECT a.privilege_type, a.grantee, a.is_grantable, t.attname',
    '      FROM pg_attribute t, aclexplode(t.attacl) a',
    '      WHERE t.attrelid = tbl AND t.attnum > 0 AND NOT t.attisdropped AND t.attacl IS NOT NULL',
    '  LOOP',
    "    CONTINUE WHEN g.privilege NOT IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER')",
    '      OR g.grantee = (SELECT relowner FROM pg_class WHERE oid = v);',
    "    EXECUTE format('GRANT %s%s ON %s TO %s%s', g.privilege,",
    "      CASE WHEN g.col IS NULL THEN '' ELSE format(' (%I)', g.col) END, v,",
    "      CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE format('%I', pg_get_userbyid(g.grantee)) END,",
    "      CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);",
    '  END LOOP;',
    'END',
  ];
  return `DO ${dollarQuote(`\n${body.join('\n')}\n`)}`;
}

const viewNote = (to: string): string =>
  `schemashift rename_table: the old name of ${to}, kept for the application version that still uses it`;

/**
 * Before rollback drops the view at the old name: it must still be the one this plan made (reads the
 * renamed table, carries the plan's comment), so a view someone put there in its place is never dropped.
 */
function ownViewGuardSql(a: { table: string; to: string }): string {
  const to = renamedTable(a);
  const ours = `${isViewOf(a.table, to)} AND obj_description(${regclass(a.table)}, 'pg_class') = ${literal(viewNote(to))}`;
  const message = `${a.table} is no longer the view rename_table left over ${to}: rollback would drop it`;
  const hint =
    `find who replaced it; drop or rename that view yourself if it may go, then run rollback again ` +
    `(or keep ${to} and leave the plan as it is)`;
  const body = [
    'BEGIN',
    `  IF NOT coalesce(${ours}, false) THEN`,
    `    RAISE EXCEPTION USING MESSAGE = ${literal(message)}, HINT = ${literal(hint)};`,
    '  END IF;',
    'END',
  ];
  return `DO ${dollarQuote(`\n${body.join('\n')}\n`)}`;
}

function renameBehindViewSql(a: { table: string; to: string }): string {
  const to = renamedTable(a);
  const note = viewNote(to);
  return [
    `ALTER TABLE ${qualified(a.table)} RENAME TO ${ident(a.to)}`,
    `CREATE VIEW ${qualified(a.table)} WITH (security_invoker = true) AS SELECT * FROM ${qualified(to)}`,
    `COMMENT ON VIEW ${qualified(a.table)} IS ${literal(note)}`,
    copyGrantsSql(a.table, to),
  ].join(';\n');
}

export const renameTableDdl: ActionRenderer<RenameTableAction> = {
  // One transaction: the rename and the view appear together, so no statement ever finds neither name.
  'rename-table-behind-view': (a) => ({
    sql: renameBehindViewSql(a),
    lock: lockOf('ACCESS EXCLUSIVE', [a.table]),
    transactional: true,
    probe: `SELECT ${isTable(renamedTable(a))} AND ${isViewOf(a.table, renamedTable(a))}`,
  }),
  // No CASCADE: a view or function someone built on the old name makes it fail, and nothing else is dropped.
  'drop-old-name-view': (a) => ({
    sql: `DROP VIEW ${qualified(a.table)}`,
    lock: lockOf('ACCESS EXCLUSIVE', [a.table]),
    transactional: true,
    probe: `SELECT NOT ${isViewOf(a.table, renamedTable(a))}`,
  }),
  'rename-table-back': (a) => ({
    // The guard runs in the same transaction as the drop: nothing changes when it refuses.
    sql: [
      ownViewGuardSql(a),
      `DROP VIEW ${qualified(a.table)}`,
      `ALTER TABLE ${qualified(renamedTable(a))} RENAME TO ${ident(splitQualified(a.table).name)}`,
    ].join(';\n'),
    lock: lockOf('ACCESS EXCLUSIVE', [a.table, renamedTable(a)]),
    transactional: true,
    probe: `SELECT ${isTable(a.table)} AND ${regclass(renamedTable(a))} IS NULL`,
  }),
};
