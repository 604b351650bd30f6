import { astText, qualifyColumnRefs, walk, type AstNode } from '../../sql/ast.js';
import { parseSql } from '../../sql/parser.js';
import { block, sqlFinding, yamlString } from '../../../../lint/finding.js';
import {
  columnConstraints,
  columnTypeText,
  existingTableCommands,
  type TableCommand,
  sqlSourcesOf,
} from '../raw-sql.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';

/** The expression over the trigger's NEW row: every bare column reference qualified. */
function overNew(expression: string): string {
  const parsed = parseSql(`SELECT ${expression}`);
  if (!parsed.ok) return expression;
  const columns = new Set<string>();
  walk(parsed.result, (type, node) => {
    const fields = node.fields as { String?: { sval?: string } }[] | undefined;
    if (type === 'ColumnRef' && fields?.length === 1 && fields[0]?.String?.sval) columns.add(fields[0].String.sval);
  });
  return [...columns].reduce((expr, column) => qualifyColumnRefs(expr, column, 'NEW'), expression);
}

function triggerSql(c: TableCommand, column: string, expression: string, ctx: LintContext): string {
  const d = ctx.compiled.dialect;
  const fn = d.ident(`${c.table.split('.').pop() ?? c.table}_${column}_fill`);
  return [
    `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.${d.ident(column)} ` +
      `:= ${overNew(expression)}; RETURN NEW; END $$;`,
    `CREATE TRIGGER ${fn} BEFORE INSERT OR UPDATE ON ${d.qualified(c.table)} FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
  ].join(' ');
}

function findingOf(c: TableCommand, ctx: LintContext): Finding | undefined {
  const def = c.subtype === 'AT_AddColumn' ? (c.cmd.def as { ColumnDef?: AstNode } | undefined)?.ColumnDef : undefined;
  const generated = columnConstraints(def).find((k) => k.contype === 'CONSTR_GENERATED');
  if (!def || !generated) return undefined;
  const column = astText(def.colname);
  const sql = c.stmt.source.sql;
  const open = sql.indexOf('(', Number(generated.location));
  const close = c.stmt.tokens.filter((t) => t.start > open && t.start < c.end && t.text === ')').pop()?.start ?? -1;
  const expression = open >= 0 && close > open ? sql.slice(open + 1, close).trim() : '<expression>';
  return sqlFinding(
    banStoredGeneratedColumn,
    c.stmt,
    Number(generated.location ?? c.offset),
    `adding the stored generated column ${c.table}.${column} computes it for every row by rewriting the whole ` +
      `table under an ACCESS EXCLUSIVE lock`,
    [
      'there is no online way to add a generated column; get the same result with a plain column kept up to ' +
        'date by a trigger:',
      block([
        'expand:',
        `  - add_column: { table: ${c.table}, column: { name: ${column}, ` +
          `type: ${yamlString(columnTypeText(c, def))} } }`,
        `  - sql: { up: ${yamlString(triggerSql(c, column, expression, ctx))} }`,
        'migrate:',
        `  - backfill: { table: ${c.table}, set: { ${column}: ${yamlString(expression)} }, where: ${column} IS NULL }`,
      ]),
      'or, on a small table, accept the rewrite: lint: { ignore: [ban-stored-generated-column], reason: … }',
    ].join('\n'),
  );
}

export const banStoredGeneratedColumn: Rule = {
  id: 'ban-stored-generated-column',
  severity: 'warning',
  description: 'ADD COLUMN … GENERATED ALWAYS AS (…) STORED rewrites the whole table under an ACCESS EXCLUSIVE lock.',
  check: (ctx: LintContext) => existingTableCommands(sqlSourcesOf(ctx)).flatMap((c) => findingOf(c, ctx) ?? []),
};
