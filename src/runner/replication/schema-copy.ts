/**
 * The tables' schema on green before the subscription copies rows into them. `copy`: the dialect's
 * schema dump of the missing tables (blue read through blue.url_env), applied to green in one transaction. A table already on green
 * (and every table with `existing`) must have blue's columns and no row: copy_data would duplicate rows.
 */
import { UsageError } from '../../errors.js';
import { say, sqlNameOf, type ReplicatedTable, type Sides } from './sides.js';

type Columns = Map<string, Map<string, string>>;

async function columnsOn(s: Sides, db: 'blue' | 'green', names: string[]): Promise<Columns> {
  const { sql, params } = s.sql.columns(names);
  const q = db === 'blue' ? s.ctx.session : s.green;
  const { rows } = await q.query<{ table: string; column: string; type: string }>(sql, params);
  const out: Columns = new Map();
  for (const r of rows) {
    if (!out.has(r.table)) out.set(r.table, new Map());
    out.get(r.table)?.set(r.column, r.type);
  }
  return out;
}

function differences(blue: Map<string, string>, green: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [column, type] of blue) {
    const there = green.get(column);
    if (there === undefined) out.push(`no column ${column}`);
    else if (there !== type) out.push(`${column} is ${there}, not ${type}`);
  }
  for (const column of green.keys()) if (!blue.has(column)) out.push(`extra column ${column}`);
  return out;
}

async function checkExisting(s: Sides, name: string, blue: Map<string, string>, green: Map<string, string>) {
  const diff = differences(blue, green);
  if (diff.length > 0)
    throw new UsageError(
      `replicate: ${name} on green differs from blue (${diff.join('; ')}); nothing was created`,
      `make green's ${name} match blue, or drop it there and use schema: copy`,
    );
  const { rows } = await s.green.query<{ nonempty: boolean }>(s.sql.hasRows(name));
  if (rows[0]?.nonempty)
    throw new UsageError(
      `replicate: ${name} on green already has rows: the initial copy would duplicate them; nothing was created`,
      `empty it on green (TRUNCATE ${name}) or drop it, then run again`,
    );
}

/** Every table on green, empty, with blue's columns; missing ones created from blue's schema dump (schema: copy). */
export async function prepareGreenSchema(s: Sides, tables: ReplicatedTable[], blueVersion: number): Promise<void> {
  const names = tables.map((t) => sqlNameOf(s.ctx, t));
  const blue = await columnsOn(s, 'blue', names);
  const green = await columnsOn(s, 'green', names);
  const missing = tables.filter((_, i) => !green.has(names[i] as string));
  for (const name of names) {
    const there = green.get(name);
    if (there) await checkExisting(s, name, blue.get(name) ?? new Map<string, string>(), there);
  }
  if (missing.length === 0) return;
  if (s.settings.schema === 'existing')
    throw new UsageError(
      `replicate: ${missing.map((t) => sqlNameOf(s.ctx, t)).join(', ')} is not on green (schema: existing); ` +
        `nothing was created`,
      'create the tables on green first, or use schema: copy',
    );
  const script = await s.sql.dumpSchema({
    env: s.ctx.env ?? process.env,
    blue: s.blueUrl,
    tables: missing,
    blueVersion,
    signal: s.ctx.signal,
  });
  await applyOnGreen(s, missing, script);
  say(s, `green: created ${missing.map((t) => sqlNameOf(s.ctx, t)).join(', ')} from blue's schema`);
}

async function applyOnGreen(s: Sides, tables: ReplicatedTable[], script: string): Promise<void> {
  const tx = s.ctx.dialect.session.transaction;
  const schemas = [...new Set(tables.map((t) => t.schema))];
  await s.green.session(async (g) => {
    await g.exec(tx.begin);
    try {
      for (const schema of schemas) await g.exec(s.sql.createSchema(schema));
      await g.exec(script);
      await g.exec(tx.commit);
    } catch (e) {
      await g.exec(tx.rollback).catch(() => undefined);
      throw new Error(`applying blue's schema to green failed (nothing of it was kept): ${(e as Error).message}`);
    }
  });
}
