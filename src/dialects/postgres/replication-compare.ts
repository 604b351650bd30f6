/**
 * PostgreSQL's replication comparison statements. Key values come back as text and go in as text
 * bind parameters cast to the key column's type; that type is the catalog's own spelling
 * (format_type of blue's column, never plan text), checked once more against the grammar
 * format_type writes before it becomes part of a statement.
 */
import { DatabaseError } from '../../errors.js';
import type {
  CompareColumn,
  CompareShape,
  CompareStatement,
  KeyRange,
  ReplicationCompareSql,
} from '../replication-compare.js';
import { quoteIdent, quoteQualifiedSql } from './names.js';

/**
 * The database's default collation as it orders text: `icu:<locale>` or `builtin:<locale>` when
 * that provider orders it (PostgreSQL 15+), else the libc datcollate. Read through to_jsonb so that
 * the columns of every version (daticulocale in 15-16, datlocale from 17, neither before 15) work.
 */
const DATABASE_COLLATION_SQL = `(SELECT CASE j->>'datlocprovider'
    WHEN 'i' THEN 'icu:' || coalesce(j->>'daticulocale', j->>'datlocale')
    WHEN 'b' THEN 'builtin:' || (j->>'datlocale') ELSE j->>'datcollate' END
  FROM (SELECT to_jsonb(d) AS j FROM pg_database d WHERE d.datname = current_database()) db)`;

/**
 * The key is the primary key, else the replica identity index (what logical replication itself
 * matches rows by). A collatable column reports the collation that orders it, `default` resolved
 * to the database's locale: two databases may differ there, and then their key order does too.
 */
const TABLE_SHAPE_SQL = `WITH r AS (SELECT to_regclass($1)::oid AS oid),
k AS (SELECT i.indkey::int2[] AS cols FROM pg_index i JOIN r ON i.indrelid = r.oid
  WHERE i.indisprimary OR i.indisreplident ORDER BY i.indisprimary DESC LIMIT 1)
SELECT r.oid::int8 AS oid, a.attname::text AS "column", format_type(a.atttypid, a.atttypmod) AS type,
  CASE WHEN c.collname = 'default' THEN ${DATABASE_COLLATION_SQL} ELSE c.collname::text END AS collation,
  array_position((SELECT cols FROM k), a.attnum) AS key_position
FROM r LEFT JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_collation c ON c.oid = a.attcollation
ORDER BY a.attnum`;

/** Text output that does not depend on the session: the same value reads the same on blue and green. */
const BEGIN_READ_ONLY = [
  'BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY',
  "SET LOCAL TimeZone = 'UTC'",
  "SET LOCAL DateStyle = 'ISO, MDY'",
  "SET LOCAL IntervalStyle = 'postgres'",
  'SET LOCAL extra_float_digits = 3',
  "SET LOCAL bytea_output = 'hex'",
  "SET LOCAL lc_monetary = 'C'",
].join('; ');

/** What format_type writes: names, quoted names, `(n[,n])` modifiers, `[]`, dots and spaces. */
const FORMAT_TYPE_GRAMMAR = /^(?:[a-z_][a-z0-9_$]*|"(?:[^"]|"")+"|\(\d+(?:,\d+)*\)|\[\]|\.| )+$/;

function checkedType(column: CompareColumn): string {
  if (FORMAT_TYPE_GRAMMAR.test(column.type)) return column.type;
  throw new DatabaseError(
    `the key column ${column.name} has a type the comparison cannot name safely: ${column.type}`,
    'compare this table another way (for example by row counts at the switch)',
  );
}

/** `(k1, k2) <op> (CAST($n AS t1), CAST($n+1 AS t2))`, parameters appended to `params`. */
function keyCompare(key: CompareColumn[], op: '>' | '<=', values: string[], params: unknown[]): string {
  const cols = key.map((c) => quoteIdent(c.name));
  const casts = key.map((c, i) => {
    params.push(values[i]);
    return `CAST($${params.length}::text AS ${checkedType(c)})`;
  });
  return `(${cols.join(', ')}) ${op} (${casts.join(', ')})`;
}

function rangeConditions(key: CompareColumn[], range: KeyRange, params: unknown[]): string {
  const conditions = [
    ...(range.from === null ? [] : [keyCompare(key, '>', range.from, params)]),
    ...(range.to === null ? [] : [keyCompare(key, '<=', range.to, params)]),
  ];
  return conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
}

const keyText = (key: CompareColumn[]) => `ARRAY[${key.map((c) => `${quoteIdent(c.name)}::text`).join(', ')}] AS key`;
const keyOrder = (key: CompareColumn[], direction: '' | ' DESC') =>
  key.map((c) => `${quoteIdent(c.name)}${direction}`).join(', ');
const rowHash = (shape: CompareShape) => `md5(ROW(${shape.columns.map((c) => quoteIdent(c.name)).join(', ')})::text)`;

const lsnColumn = (withLsn: boolean) => (withLsn ? ', pg_current_wal_lsn()::text AS lsn' : '');

/**
 * Count and md5 of the rows' md5s in key order (a row's text is its columns' record text, so NULL
 * and '' differ). The LSN is read after the rows' snapshot. It is the write position, which a
 * subscriber always reaches, even on an idle server (the insert position may lie past a page
 * header that is not sent until more WAL is written). Under synchronous_commit = off a row can be
 * visible before its commit is written; then green may miss it at first, and the recheck (after
 * the WAL writer's next round) finds it: waiting too little costs a recheck, never a false match.
 */
function chunkDigest(shape: CompareShape, range: KeyRange, withLsn: boolean): CompareStatement {
  const params: unknown[] = [];
  const where = rangeConditions(shape.key, range, params);
  const digest = `md5(string_agg(${rowHash(shape)}, '' ORDER BY ${keyOrder(shape.key, '')})) AS digest`;
  const sql = `SELECT count(*) AS "rows", ${digest}${lsnColumn(withLsn)} FROM ${quoteQualifiedSql(shape.table)}${where}`;
  return { sql, params };
}

function rowHashes(shape: CompareShape, range: KeyRange): CompareStatement {
  const params: unknown[] = [];
  const where = rangeConditions(shape.key, range, params);
  const sql = `SELECT ${keyText(shape.key)}, ${rowHash(shape)} AS hash FROM ${quoteQualifiedSql(shape.table)}${where}`;
  return { sql, params };
}

/** The keys as one text array per key column, unnested side by side and cast to the columns' types. */
function rowHashesOfKeys(shape: CompareShape, keys: string[][]): CompareStatement {
  const params = shape.key.map((_, i) => keys.map((k) => k[i]));
  const arrays = shape.key.map((_, i) => `$${i + 1}::text[]`).join(', ');
  const names = shape.key.map((_, i) => `k${i + 1}`);
  const casts = shape.key.map((c, i) => `CAST(u.${names[i]} AS ${checkedType(c)})`).join(', ');
  const cols = shape.key.map((c) => quoteIdent(c.name)).join(', ');
  const listed = `SELECT ${casts} FROM unnest(${arrays}) AS u(${names.join(', ')})`;
  const sql = `SELECT ${keyText(shape.key)}, ${rowHash(shape)} AS hash FROM ${quoteQualifiedSql(shape.table)} WHERE (${cols}) IN (${listed})`;
  return { sql, params };
}

export const postgresReplicationCompare: ReplicationCompareSql = {
  beginReadOnly: BEGIN_READ_ONLY,
  rollback: 'ROLLBACK',
  tableShape: (table) => ({ sql: TABLE_SHAPE_SQL, params: [quoteQualifiedSql(table)] }),
  maxKey: (shape) => ({
    sql: `SELECT ${keyText(shape.key)} FROM ${quoteQualifiedSql(shape.table)} ORDER BY ${keyOrder(shape.key, ' DESC')} LIMIT 1`,
    params: [],
  }),
  nextBound: (shape, from, upTo, chunkRows) => {
    const params: unknown[] = [];
    const where = rangeConditions(shape.key, { from, to: upTo }, params);
    params.push(chunkRows - 1);
    const order = keyOrder(shape.key, '');
    const sql = `SELECT ${keyText(shape.key)} FROM ${quoteQualifiedSql(shape.table)}${where} ORDER BY ${order} OFFSET $${params.length} LIMIT 1`;
    return { sql, params };
  },
  chunkDigest,
  rowHashes,
  rowHashesOfKeys,
  currentLsn: () => ({ sql: 'SELECT pg_current_wal_lsn()::text AS lsn', params: [] }),
  tableCount: (table, withLsn) => ({
    sql: `SELECT count(*) AS "rows", NULL::text AS digest${lsnColumn(withLsn)} FROM ${quoteQualifiedSql(table)}`,
    params: [],
  }),
};
