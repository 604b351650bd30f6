/**
 * T-SQL data types in plan fragments: `name`, `name(n)`, `name(p, s)`, `name(max)`, or a user type
 * `schema.name`. System types are checked against their documented limits, so that a plan fails at
 * validate time rather than on the server. learn.microsoft.com/sql/t-sql/data-types/data-types-transact-sql
 */
import type { TypeNode } from './tsql-ast.js';
import { Cursor, FragmentError, isReserved } from './tsql-cursor.js';
import { nameOf, type Token } from './tsql-lexer.js';

/** How many arguments a system type takes and what they may be. */
interface TypeRule {
  /** Inclusive bounds of the first argument (length, precision). */
  length?: [number, number];
  max?: boolean;
  /** Decimal scale: 0 up to the precision. */
  scale?: boolean;
  /** Without a length SQL Server makes it length 1 (or 30 in CAST): almost never meant. */
  lengthRequired?: boolean;
}

const STRING8000: TypeRule = { length: [1, 8000] };
const STRING4000: TypeRule = { length: [1, 4000] };
const FRACTION: TypeRule = { length: [0, 7] };
const DECIMAL: TypeRule = { length: [1, 38], scale: true };

const SYSTEM_TYPES: Record<string, TypeRule> = {
  ...Object.fromEntries(
    [
      'int',
      'bigint',
      'smallint',
      'tinyint',
      'bit',
      'money',
      'smallmoney',
      'real',
      'date',
      'datetime',
      'smalldatetime',
      'text',
      'ntext',
      'image',
      'uniqueidentifier',
      'xml',
      'sql_variant',
      'rowversion',
      'hierarchyid',
      'geography',
      'geometry',
      'json',
      'sysname',
    ].map((n) => [n, {}]),
  ),
  decimal: DECIMAL,
  numeric: DECIMAL,
  float: { length: [1, 53] },
  time: FRACTION,
  datetime2: FRACTION,
  datetimeoffset: FRACTION,
  char: STRING8000,
  binary: STRING8000,
  nchar: STRING4000,
  varchar: { ...STRING8000, max: true, lengthRequired: true },
  varbinary: { ...STRING8000, max: true, lengthRequired: true },
  nvarchar: { ...STRING4000, max: true, lengthRequired: true },
};

/** T-SQL's own synonyms, read as the type they stand for. */
const SYNONYMS: Record<string, string> = {
  integer: 'int',
  dec: 'decimal',
  character: 'char',
  'double precision': 'float',
  'character varying': 'varchar',
  'char varying': 'varchar',
};

/** Types from other databases, with what SQL Server has instead. */
const FOREIGN_TYPES: Record<string, string> = {
  timestamp: 'in SQL Server `timestamp` is a row version, not a date and time: write rowversion, or datetime2',
  boolean: 'SQL Server has no boolean type: write bit',
  bool: 'SQL Server has no boolean type: write bit',
  uuid: 'write uniqueidentifier',
  timestamptz: 'write datetimeoffset',
  jsonb: 'write nvarchar(max) (or json on SQL Server 2025)',
  bytea: 'write varbinary(max)',
  serial: 'write int with an IDENTITY (or a sequence default)',
  bigserial: 'write bigint with an IDENTITY (or a sequence default)',
  int4: 'write int',
  int8: 'write bigint',
  int2: 'write smallint',
  float8: 'write float',
  double: 'write float (or double precision)',
};

/** Not reserved, but words of a column definition: never read as the name of a user type. */
const COLUMN_OPTIONS = new Set(['SPARSE', 'FILESTREAM', 'MASKED', 'HIDDEN', 'GENERATED', 'ENCRYPTED', 'PERSISTED']);

const MULTI_WORD = [
  ['DOUBLE', 'PRECISION'],
  ['CHARACTER', 'VARYING'],
  ['CHAR', 'VARYING'],
];

function typeName(c: Cursor): Token[] {
  const parts: Token[] = [];
  do {
    const token = c.peek();
    if (token === undefined || (token.kind !== 'word' && token.kind !== 'quoted') || isReserved(token))
      c.fail(parts.length === 0 ? 'a SQL Server type such as bigint or nvarchar(200)' : 'a type name after `.`');
    parts.push(c.next());
  } while (c.acceptSymbol('.'));
  if (parts.length > 2) c.refuse('a type name has at most two parts (schema.type)', undefined, parts[0]?.offset);
  return parts;
}

function typeArgs(c: Cursor): string[] {
  if (!c.acceptSymbol('(')) return [];
  const args: string[] = [];
  do {
    const token = c.peek();
    if (c.acceptWord('MAX')) args.push('max');
    else if (token?.kind === 'number' && /^\d+$/.test(token.text)) args.push(String(Number(c.next().text)));
    else c.fail('a length, precision or MAX in a type');
  } while (c.acceptSymbol(','));
  c.expectSymbol(')', 'after the type arguments');
  return args;
}

function checkArgs(type: string, rule: TypeRule, args: string[], at: number): void {
  const refuse = (why: string, hint?: string): never => {
    throw new FragmentError(
      `${type}(${args.join(', ')}): ${why}`,
      at,
      hint ?? `write ${type} as the message says`,
      false,
    );
  };
  if (args.length === 0) {
    if (rule.lengthRequired)
      throw new FragmentError(
        `${type} without a length is ${type}(1) in a column (30 in CAST)`,
        at,
        `write ${type}(n) or ${type}(max)`,
        false,
      );
    return;
  }
  const [first, second] = args;
  if (!rule.length) refuse(`${type} takes no length or precision`);
  if (args.length > (rule.scale ? 2 : 1)) refuse(`too many arguments`);
  if (first === 'max') {
    if (!rule.max || args.length > 1) refuse(`${type} has no max; the largest is ${rule.length?.[1] ?? 0}`);
    return;
  }
  const [low, high] = rule.length ?? [0, 0];
  const n = Number(first);
  if (n < low || n > high)
    refuse(
      `the ${rule.scale ? 'precision' : 'length'} must be from ${low} to ${high}`,
      rule.max && n > high ? `write ${type}(max) for longer values` : undefined,
    );
  if (second !== undefined && (second === 'max' || Number(second) > n))
    refuse('the scale must be from 0 to the precision');
}

/** Reads one type at the cursor. */
export function parseType(c: Cursor): TypeNode {
  const start = c.offset;
  const multi = MULTI_WORD.find((words) => words.every((w, i) => c.peek(i)?.kind === 'word' && c.peek(i)?.value === w));
  const parts = multi ? multi.map(() => c.next()) : typeName(c);
  const written = multi ? multi.join(' ').toLowerCase() : nameOf(parts[parts.length - 1] as Token).toLowerCase();
  const args = typeArgs(c);
  if (multi || parts.length === 1) {
    const name = SYNONYMS[written] ?? written;
    const foreign = FOREIGN_TYPES[written];
    if (foreign !== undefined)
      throw new FragmentError(`\`${written}\` is not a SQL Server type here`, start, foreign, false);
    const rule = SYSTEM_TYPES[name];
    if (rule) {
      checkArgs(name, rule, args, start);
      return { parts: [], name, args };
    }
  }
  if (parts.length === 1 && COLUMN_OPTIONS.has(written.toUpperCase()))
    throw new FragmentError(`\`${written}\` is a column option, not a type`, start, 'write the type first', false);
  if (args.length > 0)
    throw new FragmentError(
      `\`${c.textFrom(start)}\` is not a SQL Server system type, and a user-defined type takes no arguments`,
      start,
      'check the spelling of the type',
      false,
    );
  return { parts, name: written, args };
}
