import { astText, type AstNode } from '../../sql/ast.js';
import { walk } from '../../sql/ast.js';
import { unknownCalls, volatilityOf } from '../../sql/volatility.js';
import { block, sqlFinding, yamlString } from '../../../../lint/finding.js';
import {
  columnConstraints,
  columnTypeText,
  dottedName,
  existingTableCommands,
  isSerialType,
  type TableCommand,
  sqlSourcesOf,
} from '../raw-sql.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';

const SERIAL_BASE: Record<string, string> = {
  serial: 'integer',
  serial4: 'integer',
  bigserial: 'bigint',
  serial8: 'bigint',
  smallserial: 'smallint',
  serial2: 'smallint',
};

interface Volatile {
  /** What makes the value differ per row: `gen_random_uuid(), which is volatile`, `the bigserial type`. */
  what: string;
  offset: number;
  type: string;
  /** The per-row value for new rows (SET DEFAULT) and for the backfill. */
  value: string;
  /** A sequence to create first, for serial and identity columns. */
  sequence?: string;
}

/** A function call known to be volatile or, failing that, one whose volatility only the database knows. */
function volatileCall(expr: unknown): { fn: string; location: number; unknown: boolean } | undefined {
  let known: { fn: string; location: number; unknown: boolean } | undefined;
  let unknown: typeof known;
  walk(expr, (type, node) => {
    if (type !== 'FuncCall' || known) return;
    const parts = dottedName(node.funcname).split('.');
    const call = `${parts.map((p) => `"${p.replace(/"/g, '""')}"`).join('.')}()`;
    const location = Number(node.location ?? 0);
    if (volatilityOf(call).volatile) known = { fn: parts[parts.length - 1] ?? '', location, unknown: false };
    else if (!unknown && unknownCalls(call).length > 0) unknown = { fn: parts.join('.'), location, unknown: true };
  });
  return known ?? unknown;
}

function sequenceBased(c: TableCommand, def: AstNode, what: string, offset: number, type: string): Volatile {
  const sequence = `${c.table}_${astText(def.colname)}_seq`;
  return { what, offset, type, sequence, value: `nextval('${sequence}')` };
}

function volatileOf(c: TableCommand, def: AstNode): Volatile | undefined {
  const constraints = columnConstraints(def);
  const typeName = def.typeName as AstNode | undefined;
  if (isSerialType(def)) {
    const serial = dottedName(typeName?.names);
    return sequenceBased(
      c,
      def,
      `the ${serial} type (a nextval() default)`,
      Number(typeName?.location ?? c.offset),
      SERIAL_BASE[serial] ?? 'bigint',
    );
  }
  const identity = constraints.find((k) => k.contype === 'CONSTR_IDENTITY');
  if (identity)
    return sequenceBased(
      c,
      def,
      'an identity (a new sequence value per row)',
      Number(identity.location ?? c.offset),
      columnTypeText(c, def),
    );
  const dflt = constraints.find((k) => k.contype === 'CONSTR_DEFAULT');
  const call = dflt ? volatileCall(dflt.raw_expr) : undefined;
  if (!dflt || !call) return undefined;
  const from = Number(dflt.location) + 'DEFAULT'.length;
  const to = Math.min(c.end, ...constraints.map((k) => Number(k.location)).filter((l) => l > from));
  const what = call.unknown
    ? `${call.fn}(), whose volatility only the database knows (treated as volatile; if pg_proc says it is ` +
      `STABLE or IMMUTABLE, ignore this finding with lint: { ignore: [volatile-default] })`
    : `${call.fn}(), which is volatile`;
  return { what, offset: call.location, type: columnTypeText(c, def), value: c.stmt.source.sql.slice(from, to).trim() };
}

function recipe(c: TableCommand, column: string, v: Volatile, ctx: LintContext): string {
  const d = ctx.compiled.dialect;
  const setDefault = `ALTER TABLE ${d.qualified(c.table)} ALTER COLUMN ${d.ident(column)} SET DEFAULT ${v.value}`;
  const up = v.sequence ? `CREATE SEQUENCE IF NOT EXISTS ${d.qualified(v.sequence)}; ${setDefault}` : setDefault;
  return [
    'add the column without a default, set the default for new rows, then backfill existing rows in batches:',
    block([
      'expand:',
      `  - add_column: { table: ${c.table}, column: { name: ${column}, type: ${yamlString(v.type)} } }`,
      `  - sql: { up: ${yamlString(up)} }`,
      'migrate:',
      `  - backfill: { table: ${c.table}, set: { ${column}: ${yamlString(v.value)} }, where: ${column} IS NULL }`,
    ]),
  ].join('\n');
}

function findingOf(c: TableCommand, ctx: LintContext): Finding | undefined {
  const def = c.subtype === 'AT_AddColumn' ? (c.cmd.def as { ColumnDef?: AstNode } | undefined)?.ColumnDef : undefined;
  const v = def ? volatileOf(c, def) : undefined;
  if (!def || !v) return undefined;
  const column = astText(def.colname);
  return sqlFinding(
    volatileDefault,
    c.stmt,
    v.offset,
    `ADD COLUMN ${column} with ${v.what}: every existing row needs its own value, so all of ${c.table} is ` +
      `rewritten under an ACCESS EXCLUSIVE lock`,
    recipe(c, column, v, ctx),
  );
}

export const volatileDefault: Rule = {
  id: 'volatile-default',
  severity: 'error',
  description:
    'ADD COLUMN with a volatile default (random(), gen_random_uuid(), clock_timestamp(), nextval(), serial, ' +
    'identity) rewrites the table.',
  check: (ctx: LintContext) => existingTableCommands(sqlSourcesOf(ctx)).flatMap((c) => findingOf(c, ctx) ?? []),
};
