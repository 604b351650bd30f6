/**
 * Column types for the catalog probes: which sys.types row a plan's type names (as TYPE_ID text), and
 * the canonical `name(args)` of a plan's type and of a live column (sys.columns max_length, precision,
 * scale), so that `nvarchar(200)` and a column of 400 bytes compare equal and defaults written out
 * (`decimal` is decimal(18,0), `datetime2` is datetime2(7)) are no difference.
 * https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-columns-transact-sql
 */
import { FragmentError } from './tsql-cursor.js';
import { nameOf } from './tsql-lexer.js';
import { readFragment } from './tsql-read.js';
import { ident, literal } from './sql-names.js';

export interface PlannedType {
  /** A system type (lower case, synonyms resolved), else a user type. */
  system: boolean;
  /** The TYPE_ID argument: a system type's name, or the user type's bracketed (schema.)name. */
  typeIdName: string;
  /** System types only: the canonical `name(args)`. */
  canonical?: string;
}

/** SQL Server keeps a rowversion column as type `timestamp` (sys.types has no rowversion row). */
const STORED_AS: Record<string, string> = { rowversion: 'timestamp' };

const CHARACTER_TYPES = new Set(['char', 'varchar', 'binary', 'varbinary']);
const UNICODE_TYPES = new Set(['nchar', 'nvarchar']);
const FRACTION_TYPES = new Set(['time', 'datetime2', 'datetimeoffset']);
const DECIMAL_TYPES = new Set(['decimal', 'numeric']);

/** `name(args)` with SQL Server's defaults written out. */
export function canonicalType(name: string, args: string[]): string {
  const lower = name.toLowerCase();
  const [first, second] = args.map((a) => a.toLowerCase());
  if (CHARACTER_TYPES.has(lower) || UNICODE_TYPES.has(lower)) return `${lower}(${first ?? '1'})`;
  if (FRACTION_TYPES.has(lower)) return `${lower}(${first ?? '7'})`;
  if (DECIMAL_TYPES.has(lower)) return `${lower}(${first ?? '18'},${second ?? '0'})`;
  // float(1…24) is stored as real's 24 bits of precision, float(25…53) as 53.
  if (lower === 'float') return first === undefined || Number(first) > 24 ? 'float(53)' : 'float(24)';
  return lower;
}

/** The plan's type as the probes compare it; undefined when it does not read as a T-SQL type. */
export function plannedType(type: string): PlannedType | undefined {
  let read;
  try {
    read = readFragment(type, 'type');
  } catch (error) {
    if (error instanceof FragmentError) return undefined;
    throw error;
  }
  if (read.kind !== 'type') return undefined;
  const t = read.type;
  if (t.parts.length === 0) {
    const stored = STORED_AS[t.name] ?? t.name;
    return { system: true, typeIdName: stored, canonical: canonicalType(stored, t.args) };
  }
  return { system: false, typeIdName: t.parts.map((p) => ident(nameOf(p))).join('.') };
}

/** SQL: the sys.types id of the plan's type (NULL when none by that name; an unreadable type is looked up as written). */
export function typeIdSql(type: string): string {
  return `TYPE_ID(${literal(plannedType(type)?.typeIdName ?? type.trim())})`;
}

/** A column as objectDefinition reports it: its type's name, base system type and sizes. */
export interface LiveColumnType {
  type_name?: unknown;
  base_type?: unknown;
  max_length?: unknown;
  precision?: unknown;
  scale?: unknown;
}

/** The canonical `name(args)` of a live column; a user type is its name (its sizes are the type's). */
export function liveType(c: LiveColumnType): string {
  const name = typeof c.type_name === 'string' ? c.type_name : '?';
  const base = (typeof c.base_type === 'string' ? c.base_type : name).toLowerCase();
  if (name.toLowerCase() !== base) return name;
  const length = Number(c.max_length);
  if (CHARACTER_TYPES.has(base)) return canonicalType(base, [length === -1 ? 'max' : String(length)]);
  if (UNICODE_TYPES.has(base)) return canonicalType(base, [length === -1 ? 'max' : String(length / 2)]);
  if (FRACTION_TYPES.has(base)) return canonicalType(base, [String(c.scale)]);
  if (DECIMAL_TYPES.has(base)) return canonicalType(base, [String(c.precision), String(c.scale)]);
  if (base === 'float') return canonicalType(base, [String(c.precision)]);
  return base;
}

/**
 * Whether a live column has the plan's type, sizes included: `sameType` is the server's answer to
 * "user_type_id = TYPE_ID(plan's type)"; the sizes of a system type are compared here.
 */
export function sameColumnType(planned: string, sameType: unknown, live: LiveColumnType): boolean {
  if (sameType !== true) return false;
  const p = plannedType(planned);
  return p?.canonical === undefined || p.canonical === liveType(live);
}
