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

const forwardOf = (spec: SyncSpec): string => {
  if (spec.forward !== undefined) return spec.forward;
  if (spec.from === undefined)
    throw new Error(`internal: sync of ${spec.table}.${spec.to} has neither from nor forward`);
  return quoteIdent(spec.from);
};

/** The variables holding the declared defaults, evaluated in the trigger and typed like their column. */
const TO_DEFAULT = 'schemashift_to_default';
const FROM_DEFAULT = 'schemashift_from_default';
/** up(row) typed like the new column, compared with it by binary image. */
const UP_VALUE = 'schemashift_up_value';

/**
 * The trigger function's body. Per statement, which side of the row the application wrote decides
 * the direction ("up" = `forward`, old side → `to`; "down" = `reverse`, `to` → old column `from`):
 *
 * INSERT: a side counts as written when its value is not what leaving it out gives: NULL, or the
 * column's declared DEFAULT (`toDefault` / `fromDefault`, stable or immutable expressions,
 * evaluated here in the same transaction as the default itself, assigned to a variable of the
 * column's type, and compared by binary image, which every type has).
 * - `to` written (the new application version, which knows only the new columns): it is kept, and
 *   both ways `from` := reverse(row). A statement that writes both sides: the new side wins.
 * - else, when the old side was written, or `to` has no default: `to` := forward(row). Without a
 *   `from` (add_column `up`, drop_column `down`) the old side is the whole row: always written.
 * - else both are at their defaults: the row is left as the defaults made it.
 * So an explicit NULL, or an explicit value equal to the default, counts as not written.
 *
 * UPDATE: a statement that leaves `to` as it was did not write it (an old-version statement names
 * only old columns): when it changed ANY column the forward expression reads (`coalesce(review,
 * product || ' is good')` reads review and product), `to` is recomputed from the row; otherwise it
 * keeps what it held. A statement that changed `to` wrote it (the new version, or the backfill):
 * its value is kept, and both ways `from` is recomputed from it, unless it is exactly what the
 * forward expression gives (a statement setting both consistently, or the backfill, which writes
 * that value): then `from` is left as it was. So `reverse` is applied when `to` is written: a
 * new-version statement that changes only another column `reverse` reads reaches `from` at the next
 * write of `to`. The columns read are compared by their binary image (`*<>` works for every type,
 * json has no `=`; a spurious difference only costs a recompute). An UPDATE that writes a column
 * with the value it already holds is indistinguishable from one that leaves it out (a row trigger
 * sees values, and `UPDATE OF` only chooses whether a trigger fires, for one trigger per list).
 *
 * Every column that `forward` / `reverse` read is read from NEW.
 */
function functionBody(spec: SyncSpec, table: string): PlpgsqlBody {
  const to = `NEW.${quoteIdent(spec.to)}`;
  const oldTo = `OLD.${quoteIdent(spec.to)}`;
  const forward = overRecord(forwardOf(spec), 'NEW');
  const readChanged = readColumnsChanged(forwardOf(spec), spec.to);
  const b = new PlpgsqlBody();
  const fromDefault = spec.toDefault !== undefined && spec.from !== undefined ? spec.fromDefault : undefined;
  const typed = (column: string) => `${quoteQualified(table)}.${quoteIdent(column)}%TYPE`;
  const declarations = [
    ...(spec.toDefault === undefined ? [] : [`  ${TO_DEFAULT} ${typed(spec.to)};`]),
    ...(fromDefault === undefined ? [] : [`  ${FROM_DEFAULT} ${typed(spec.from as string)};`]),
    ...(spec.reverse === undefined ? [] : [`  ${UP_VALUE} ${typed(spec.to)};`]),
  ];
  if (declarations.length > 0) ['DECLARE', ...declarations].forEach((l) => b.line(l));
  b.line('BEGIN').line(`  IF ${b.cond("TG_OP = 'INSERT'")} THEN`);
  if (spec.toDefault !== undefined) b.line(`    ${b.assign(TO_DEFAULT, `(${spec.toDefault})`)}`);
  if (fromDefault !== undefined) b.line(`    ${b.assign(FROM_DEFAULT, `(${fromDefault})`)}`);
  const toUnwritten = spec.toDefault === undefined ? `${to} IS NULL` : `${to} IS NULL OR ${sameImage(to, TO_DEFAULT)}`;
  const fill = insertFillCondition(spec, fromDefault);
  if (spec.reverse === undefined) {
    const when = fill === undefined ? toUnwritten : `(${toUnwritten}) AND (${fill})`;
    b.line(`    IF ${b.cond(when)} THEN ${b.assign(to, forward)} END IF;`);
    if (readChanged !== undefined) {
      b.line(`  ELSIF ${b.cond(`${sameImage(to, oldTo)} AND ${readChanged}`)} THEN`);
      b.line(`    ${b.assign(to, forward)}`);
    }
  } else {
    const from = `NEW.${quoteIdent(spec.from as string)}`;
    const reverse = overRecord(spec.reverse, 'NEW');
    if (fill === undefined) {
      b.line(`    IF ${b.cond(toUnwritten)} THEN ${b.assign(to, forward)} ELSE ${b.assign(from, reverse)} END IF;`);
    } else {
      b.line(`    IF ${b.cond(`NOT (${toUnwritten})`)} THEN ${b.assign(from, reverse)}`);
      b.line(`    ELSIF ${b.cond(fill)} THEN ${b.assign(to, forward)}`);
      b.line('    END IF;');
    }
    if (spec.fromNotNull === true)
      b.line(`    IF ${b.cond(`${from} IS NULL`)} THEN ${b.assign(from, reverse)} END IF;`);
    b.line(`  ELSIF ${b.cond(`NOT ${sameImage(to, oldTo)}`)} THEN`);
    // up(row) typed like the column, so the comparison is by binary image (json has no `=`).
    b.line(`    ${b.assign(UP_VALUE, `(${forward})`)}`);
    b.line(`    IF ${b.cond(`NOT ${sameImage(to, UP_VALUE)}`)} THEN ${b.assign(from, reverse)} END IF;`);
    if (readChanged !== undefined) {
      b.line(`  ELSIF ${b.cond(readChanged)} THEN`);
      b.line(`    ${b.assign(to, forward)}`);
    }
  }
  return b.line('  END IF;').line('  RETURN NEW;').line('END');
}

/**
 * When `to` was not written by an INSERT and has a default: `to` := forward(row) only if the old
 * side was written (undefined: always, i.e. `to` has no default or there is no `from`).
 */
function insertFillCondition(spec: SyncSpec, fromDefault: string | undefined): string | undefined {
  if (spec.toDefault === undefined || spec.from === undefined) return undefined;
  const from = `NEW.${quoteIdent(spec.from)}`;
  return fromDefault === undefined
    ? `${from} IS NOT NULL`
    : `${from} IS NOT NULL AND NOT ${sameImage(from, FROM_DEFAULT)}`;
}

/** Equal binary images: works for every type (json has no `=`), and the default is typed like the column. */
const sameImage = (a: string, b: string): string => `ROW(${a})::record *= ROW(${b})::record`;

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
  const body = functionBody(spec, spec.table);
  const head = `CREATE OR REPLACE FUNCTION ${quoteQualified(fn)}() RETURNS trigger\nLANGUAGE plpgsql AS `;
  const sql = `${head}${dollarQuote(body.text())}`;
  const problem = functionProblem(sql, body);
  if (problem) throw new Error(`internal: sync function for ${spec.table}.${spec.to}: ${problem}`);
  return sql;
}

type SyncField = ColumnSyncProblem['field'];

/** A declared default is evaluated without a row: it may read no column (nor a variable of the function). */
function defaultProblem(expression: string): { message: string; offset: number } | undefined {
  const problem = rowExpressionProblem(expression);
  if (problem) return problem;
  const [column] = rowColumns(expression);
  if (column === undefined) return undefined;
  return { message: `a default cannot read a column (${column}): write the DEFAULT as the catalog has it`, offset: 0 };
}

/**
 * Why this sync cannot be installed safely (undefined when it can): an expression that cannot be
 * read from one row, a default that reads a column, or a generated function that is not exactly
 * the intended one. Expressions that do not parse are left to the plan schema's own syntax check.
 */
export function syncSpecProblem(spec: SyncSpec, fn: string): ColumnSyncProblem | undefined {
  const fields = (['forward', 'reverse', 'toDefault', 'fromDefault'] as const).filter((f) => spec[f] !== undefined);
  if (fields.some((f) => fragmentProblem(spec[f] as string, 'value') !== undefined)) return undefined;
  for (const field of fields) {
    const text = spec[field] as string;
    const problem = field.endsWith('Default') ? defaultProblem(text) : rowExpressionProblem(text);
    if (problem) return new ColumnSyncProblem(field, problem);
  }
  if (spec.from === undefined && (spec.reverse !== undefined || spec.forward === undefined)) {
    const field: SyncField = spec.reverse === undefined ? 'forward' : 'reverse';
    return new ColumnSyncProblem(field, {
      message: 'a sync without an old column needs `up` and no `down`',
      offset: 0,
    });
  }
  try {
    createFunctionSql(spec, fn);
  } catch (e) {
    const message = (e as Error).message.replace(/^internal: /, '');
    return new ColumnSyncProblem(fields[fields.length - 1] ?? 'forward', { message, offset: 0 });
  }
  return undefined;
}

/** `IF` blocks raising when a column's DEFAULT is there and not declared, or declared and not there. */
function defaultCheck(table: string, column: string, declared: boolean, why: string): string {
  const hasDefault =
    'SELECT 1 FROM pg_attrdef a JOIN pg_attribute c ON c.attrelid = a.adrelid AND c.attnum = a.adnum ' +
    `WHERE a.adrelid = to_regclass(${quoteLiteral(quoteQualified(table))}) AND c.attname = ${quoteLiteral(column)}`;
  const message = declared
    ? `${table}.${column} has no DEFAULT, but the plan declares one: ${why}`
    : `${table}.${column} has a DEFAULT the plan does not declare: ${why}`;
  const hint = declared
    ? 'remove the declared default from the plan, or check that the plan runs against the right database'
    : `declare it in the plan (as the catalog shows it), or drop it before the plan and set it again in contract`;
  const raise = `RAISE EXCEPTION USING MESSAGE = ${quoteLiteral(message)}, HINT = ${quoteLiteral(hint)};`;
  return `  IF ${declared ? 'NOT ' : ''}EXISTS (${hasDefault}) THEN\n    ${raise}\n  END IF;`;
}

/**
 * Before the function is created, in the same transaction: every column the expressions read
 * must exist (a missing one would fail every write to the table, 42703), and the defaults the
 * trigger compares with must be the ones declared: an undeclared DEFAULT on `to` would make every
 * INSERT look like a new-version write; on `from` (when `to` has a default too), like an
 * old-version write.
 */
function preconditionsSql(spec: SyncSpec): string[] {
  const expressions = [forwardOf(spec), ...(spec.reverse === undefined ? [] : [spec.reverse])];
  const reads = expressions.map((e) => `(${e})`).join(', ');
  const checks = [
    defaultCheck(
      spec.table,
      spec.to,
      spec.toDefault !== undefined,
      'the sync trigger tells which application version wrote a row by whether it is left at its default',
    ),
  ];
  if (spec.toDefault !== undefined && spec.from !== undefined)
    checks.push(
      defaultCheck(
        spec.table,
        spec.from,
        spec.fromDefault !== undefined,
        `${spec.to} has a default too: the trigger tells an old-version INSERT by ${spec.from} not at its default`,
      ),
    );
  const check = `\nBEGIN\n${checks.join('\n')}\nEND\n`;
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
