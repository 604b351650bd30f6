/**
 * The PL/pgSQL trigger that keeps a new column in step with an old one while applications of
 * both generations write the table (expand/contract).
 */
import { splitQualified } from '../dialect.js';
import { ColumnSyncProblem, type SyncSpec } from '../actions-shadow.js';
import { fragmentProblem } from './sql/fragment.js';
import { dollarQuote, functionProblem, PlpgsqlBody } from './sql/plpgsql-function.js';
import { overRecord, rowColumns, rowExpressionProblem } from './sql/row-expression.js';
import { quoteIdent, quoteLiteral, quoteQualified } from './names.js';

const forwardOf = (spec: SyncSpec): string => spec.forward ?? quoteIdent(spec.from);

/**
 * The trigger function's body. Which column a write actually set decides the direction:
 *
 * INSERT: the new column carries no default until contract (add_column refuses `default` with
 * `sync_from`; rename_column and change_type add it without one, and the sync-function step
 * checks it), so a new column that is not NULL was written by the statement, i.e. by the new
 * application version: the old column is computed from it (both-ways sync), whatever default the
 * old column got. A NULL new column is computed from the old one. (A new-version INSERT of an
 * explicit NULL cannot be told from one that leaves the column out: it gets the old column's value.)
 *
 * UPDATE: a statement that leaves the new column as it was did not write it (an old-version
 * statement names only old columns): when it changed ANY column the forward expression reads
 * (`coalesce(review, product || ' is good')` reads review and product), the new column is
 * recomputed from the row; otherwise the row's new column still holds what it held. A statement
 * that changed the new column wrote it (the new version, or the backfill): its value is kept, and
 * both ways the old column is recomputed from it, unless it is exactly what the forward
 * expression gives (a statement setting both consistently, or the backfill, which writes that
 * value): then the old column is left as it was. So `reverse` is applied when the new column is
 * written: a new-version statement that changes only another column `reverse` reads reaches the
 * old column at the next write of the new column. The columns read are compared by their binary
 * image (`*<>` works for every type, json has no `=`; a spurious difference only costs a recompute).
 *
 * Every column that `forward` / `reverse` read is read from NEW.
 */
function functionBody(spec: SyncSpec): PlpgsqlBody {
  const [from, to] = [`NEW.${quoteIdent(spec.from)}`, `NEW.${quoteIdent(spec.to)}`];
  const oldTo = `OLD.${quoteIdent(spec.to)}`;
  const forward = overRecord(forwardOf(spec), 'NEW');
  const readChanged = readColumnsChanged(forwardOf(spec), spec.to);
  const b = new PlpgsqlBody();
  b.line('BEGIN').line(`  IF ${b.cond("TG_OP = 'INSERT'")} THEN`);
  if (spec.reverse === undefined) {
    b.line(`    IF ${b.cond(`${to} IS NULL`)} THEN ${b.assign(to, forward)} END IF;`);
    if (readChanged !== undefined) {
      b.line(`  ELSIF ${b.cond(`${to} IS NOT DISTINCT FROM ${oldTo} AND ${readChanged}`)} THEN`);
      b.line(`    ${b.assign(to, forward)}`);
    }
  } else {
    const reverse = overRecord(spec.reverse, 'NEW');
    b.line(`    IF ${b.cond(`${to} IS NULL`)} THEN ${b.assign(to, forward)} ELSE ${b.assign(from, reverse)} END IF;`);
    b.line(`  ELSIF ${b.cond(`${to} IS DISTINCT FROM ${oldTo}`)} THEN`);
    b.line(`    IF ${b.cond(`${to} IS DISTINCT FROM (${forward})`)} THEN ${b.assign(from, reverse)} END IF;`);
    if (readChanged !== undefined) {
      b.line(`  ELSIF ${b.cond(readChanged)} THEN`);
      b.line(`    ${b.assign(to, forward)}`);
    }
  }
  return b.line('  END IF;').line('  RETURN NEW;').line('END');
}

/**
 * `ROW(NEW.a, NEW.b)::record *<> ROW(OLD.a, OLD.b)::record` over the columns `expression` reads
 * (but `to`); undefined when it reads none.
 */
function readColumnsChanged(expression: string, to: string): string | undefined {
  const columns = rowColumns(expression).filter((c) => c !== to);
  if (columns.length === 0) return undefined;
  const row = (record: string) => `ROW(${columns.map((c) => `${record}.${quoteIdent(c)}`).join(', ')})::record`;
  return `${row('NEW')} *<> ${row('OLD')}`;
}

function createFunctionSql(spec: SyncSpec, fn: string): string {
  const body = functionBody(spec);
  const head = `CREATE OR REPLACE FUNCTION ${quoteQualified(fn)}() RETURNS trigger\nLANGUAGE plpgsql AS `;
  const sql = `${head}${dollarQuote(body.text())}`;
  const problem = functionProblem(sql, body);
  if (problem) throw new Error(`internal: sync function for ${spec.table}.${spec.to}: ${problem}`);
  return sql;
}

/**
 * Why this sync cannot be installed safely (undefined when it can): an expression that cannot be
 * read from one row, or a generated function that is not exactly the intended one. Expressions
 * that do not parse are left to the plan schema's own syntax check.
 */
export function syncSpecProblem(spec: SyncSpec, fn: string): ColumnSyncProblem | undefined {
  const fields = (['forward', 'reverse'] as const).filter((f) => spec[f] !== undefined);
  if (fields.some((f) => fragmentProblem(spec[f] as string, 'value') !== undefined)) return undefined;
  for (const field of fields) {
    const problem = rowExpressionProblem(spec[field] as string);
    if (problem) return new ColumnSyncProblem(field, problem);
  }
  try {
    createFunctionSql(spec, fn);
  } catch (e) {
    const message = (e as Error).message.replace(/^internal: /, '');
    return new ColumnSyncProblem(fields[fields.length - 1] ?? 'forward', { message, offset: 0 });
  }
  return undefined;
}

/**
 * Before the function is created, in the same transaction: every column the expressions read
 * must exist (a missing one would fail every write to the table, 42703), and the new column must
 * have no default (it would make every INSERT look like a new-version write).
 */
function preconditionsSql(spec: SyncSpec): string[] {
  const expressions = [forwardOf(spec), ...(spec.reverse === undefined ? [] : [spec.reverse])];
  const reads = expressions.map((e) => `(${e})`).join(', ');
  const message =
    `${spec.table}.${spec.to} has a DEFAULT: the sync trigger could not tell a new-version INSERT ` +
    `from an old-version one`;
  const hint =
    `drop the default (ALTER TABLE ${spec.table} ALTER COLUMN ${spec.to} DROP DEFAULT) and set it in ` +
    `contract, after the sync trigger is gone`;
  const hasDefault =
    'SELECT 1 FROM pg_attrdef a JOIN pg_attribute c ON c.attrelid = a.adrelid AND c.attnum = a.adnum ' +
    `WHERE a.adrelid = to_regclass(${quoteLiteral(quoteQualified(spec.table))}) AND c.attname ` +
    `= ${quoteLiteral(spec.to)}`;
  const raise = `RAISE EXCEPTION USING MESSAGE = ${quoteLiteral(message)}, HINT = ${quoteLiteral(hint)};`;
  const check = `\nBEGIN\n  IF EXISTS (${hasDefault}) THEN\n    ${raise}\n  END IF;\nEND\n`;
  return [`SELECT ${reads} FROM ${quoteQualified(spec.table)} LIMIT 0`, `DO ${dollarQuote(check)}`];
}

export function installSyncFunctionSql(spec: SyncSpec, fn: string): string {
  return [...preconditionsSql(spec), createFunctionSql(spec, fn)].join(';\n');
}

export function createSyncTriggerSql(table: string, trigger: string, fn: string): string {
  const call = `${quoteQualified(fn)}()`;
  return (
    `CREATE TRIGGER ${quoteIdent(trigger)} BEFORE INSERT OR UPDATE ON ${quoteQualified(table)} FOR EACH ` +
    `ROW EXECUTE FUNCTION ${call}`
  );
}

/** The schema a name is qualified with, for objects that live beside a table (indexes, functions). */
export function inSchemaOf(table: string, name: string): string {
  const { schema } = splitQualified(table);
  return schema === undefined ? name : `${schema}.${name}`;
}
