/**
 * Generated column values for a rehearsal's seed rows: a SQL expression over `g`, the row number
 * (1..N), per type. Deterministic, so every fresh copy of the scratch database holds the same rows.
 * Key columns get a distinct value per row; other nullable columns are NULL on every tenth row, as
 * real data has NULLs that a plan must cope with.
 */
import { postgresNames as postgres } from './names.js';
import type { ColumnInfo } from './rehearse-catalog.js';

const lit = (value: string) => postgres.literal(value);

/** numeric(p,s): a value below 10^min(p-s, 4) with at most min(s, 2) decimals, so it always fits. */
function numericValue(col: ColumnInfo): string {
  const constrained = col.typmod >= 4;
  const precision = ((col.typmod - 4) >> 16) & 0xffff;
  const scale = constrained ? (col.typmod - 4) & 0xffff : 2;
  const digits = Math.min(constrained ? precision - scale : 4, 4);
  const decimals = Math.min(scale, 2);
  return `((g * 37) % ${10 ** (digits + decimals)})::numeric / ${10 ** decimals}`;
}

function textValue(col: ColumnInfo, unique: boolean): string {
  const value = unique ? `g::text || ${lit(`-${col.name}`)}` : `${lit(`${col.name} `)} || g`;
  const limited = (col.typname === 'varchar' || col.typname === 'bpchar') && col.typmod > 4;
  return limited ? `left(${value}, ${col.typmod - 4})` : value;
}

const BY_TYPE: Record<string, (col: ColumnInfo, unique: boolean, label: string) => string> = {
  int2: (_, unique) => (unique ? 'g' : 'g % 100'),
  int4: (_, unique) => (unique ? 'g' : '(g * 37) % 1000'),
  int8: (_, unique) => (unique ? 'g' : '(g * 37) % 1000'),
  numeric: (col, unique) => (unique ? 'g' : numericValue(col)),
  float4: (_, unique) => (unique ? 'g' : 'g * 1.5'),
  float8: (_, unique) => (unique ? 'g' : 'g * 1.5'),
  money: () => '(g % 1000)::numeric',
  text: textValue,
  varchar: textValue,
  bpchar: textValue,
  citext: textValue,
  name: textValue,
  bool: () => 'g % 2 = 0',
  uuid: (_, __, label) => `md5(${lit(`${label}:`)} || g)::uuid`,
  date: (_, unique) => (unique ? `date '2000-01-01' + g::int` : `date '2024-01-01' + (g % 365)::int`),
  timestamp: () => `timestamp '2024-01-01 00:00:00' + g * interval '1 minute'`,
  timestamptz: () => `timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute'`,
  time: () => `time '00:00' + (g % 86400) * interval '1 second'`,
  timetz: () => `timetz '00:00+00' + (g % 86400) * interval '1 second'`,
  interval: () => `g * interval '1 second'`,
  json: () => `json_build_object('n', g)`,
  jsonb: () => `jsonb_build_object('n', g)`,
  bytea: () => `decode(md5(g::text), 'hex')`,
  inet: () => `'10.0.0.0'::inet + g`,
};

/**
 * The value of `col` in row `g`, cast to its type; null when there is no generator for its type.
 * `label` (table.column) keeps generated uuids apart between columns.
 */
export function valueSql(col: ColumnInfo, unique: boolean, label: string): string | null {
  let value: string | undefined;
  if (col.category === 'A') value = `'{}'`;
  else if (col.enumOid !== null)
    value = `(enum_range(NULL::${col.type}))[(g - 1) % array_length(enum_range(NULL::${col.type}), 1) + 1]`;
  else value = BY_TYPE[col.typname]?.(col, unique, label);
  if (value === undefined) return null;
  const cast = `(${value})::${col.type}`;
  return col.notNull || unique ? cast : `CASE WHEN g % 10 = 0 THEN NULL ELSE ${cast} END`;
}
