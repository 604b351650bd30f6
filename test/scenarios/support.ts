/**
 * pgroll's operation scenarios restated for schemashift (docs: the brief's pgroll-scenarios.md, S1–S73):
 * each scenario starts from an empty PostgreSQL 15 database (one per test file, emptied between
 * scenarios) with the initial schema, writes its plan to a
 * folder and drives the real CLI (in process): `run` (stops before the confirmed contract phase),
 * writes from the OLD app (old names only) and the NEW app (new names only), `rollback`, `run --yes`
 * through contract; the test then reads data and catalog.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { cli, type CliResult } from '../cli/cli-support.js';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.js';

export interface Scenario {
  db: TestDatabase;
  /** `run plan.yaml` without --yes: expand (+ migrate) run, the confirmed contract does not. */
  start(): Promise<CliResult>;
  /** `rollback plan.yaml --yes`. */
  rollback(): Promise<CliResult>;
  /** `run plan.yaml --yes`: the remaining phases, contract included. */
  complete(): Promise<CliResult>;
  /** Replace the plan file (a second plan on the same database). */
  setPlan(yaml: string): void;
  /** Any CLI command on the plan file, e.g. cmd('validate'). */
  cmd(verb: string, ...args: string[]): Promise<CliResult>;
  exec(sql: string): Promise<void>;
  rows<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** One value: the first column of the first row. */
  value<T = unknown>(sql: string, params?: unknown[]): Promise<T>;
  /** The statement must fail with this SQLSTATE (23505, 23514, …). */
  fails(sql: string, sqlstate: string): Promise<void>;
  /** Empties the database for the next scenario (the file's database is dropped after its last test). */
  close(): Promise<void>;
}

/** A plan file: `name`, a short lock_timeout, then `phases` given as YAML (indented by the caller). */
export function planYaml(name: string, phases: string): string {
  return `name: ${name}\nsettings: { lock_timeout: 5s }\nphases:\n${phases}`;
}

// One database per test file (CREATE DATABASE is slow on a busy machine): each scenario starts from
// empty public and schemashift schemas; the file's last hook drops the database.
let shared: TestDatabase | undefined;
afterAll(async () => {
  await shared?.close();
  shared = undefined;
});

const RESET = `DROP SCHEMA IF EXISTS public CASCADE; DROP SCHEMA IF EXISTS schemashift CASCADE; CREATE SCHEMA public;`;

export async function openScenario(name: string, setup: string, plan: string): Promise<Scenario> {
  shared ??= await createPostgresDatabase('shift_scenarios');
  const db = shared;
  await db.exec(RESET);
  if (setup.trim() !== '') await db.exec(setup);
  const dir = mkdtempSync(join(tmpdir(), `schemashift-${name}-`));
  writeFileSync(join(dir, 'plan.yaml'), plan);
  const cmd = (verb: string, ...args: string[]) =>
    cli([verb, 'plan.yaml', ...args, '--database', db.url!], { cwd: dir, env: { CI: 'true' } });
  const ok = async (result: Promise<CliResult>) => {
    const r = await result;
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    return r;
  };
  const rows = <R>(sql: string, params?: unknown[]) => db.query<R>(sql, params);
  return {
    db,
    cmd,
    setPlan: (yaml) => writeFileSync(join(dir, 'plan.yaml'), yaml),
    start: () => ok(cmd('run')),
    rollback: () => ok(cmd('rollback', '--yes')),
    complete: () => ok(cmd('run', '--yes')),
    exec: (sql) => db.exec(sql),
    rows,
    value: async <T>(sql: string, params?: unknown[]) => {
      const [row] = await rows<Record<string, T>>(sql, params);
      return Object.values(row ?? {})[0] as T;
    },
    fails: async (sql, sqlstate) => {
      const error = await db.exec(sql).then(
        () => null,
        (e: { code?: string; message?: string }) => e,
      );
      expect(error, `expected ${sql} to fail with ${sqlstate}`).not.toBeNull();
      expect(error?.code, error?.message).toBe(sqlstate);
    },
    close: () => db.exec(RESET),
  };
}

/** Columns of a table, in order (dropped ones left out). */
export async function columnsOf(s: Scenario, table: string): Promise<string[]> {
  const rows = await s.rows<{ attname: string }>(
    `SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [table],
  );
  return rows.map((r) => r.attname);
}

/** relkind of a relation ('r' table, 'v' view, 'i' index, 'S' sequence), null when it does not exist. */
export async function relkind(s: Scenario, name: string): Promise<string | null> {
  return s.value<string | null>(`SELECT (SELECT relkind::text FROM pg_class WHERE oid = to_regclass($1))`, [name]);
}

/** Triggers (not internal) on a table, and functions whose name mentions it: what a sync leaves behind. */
export async function triggersOn(s: Scenario, table: string): Promise<string[]> {
  const rows = await s.rows<{ tgname: string }>(
    `SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal ORDER BY tgname`,
    [table],
  );
  return rows.map((r) => r.tgname);
}

/** Trigger functions outside the catalogs (schemashift's own state trigger left out): what a sync leaves behind. */
export async function triggerFunctions(s: Scenario): Promise<string[]> {
  const rows = await s.rows<{ proname: string }>(
    `SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND p.prorettype = 'trigger'::regtype AND p.oid <> 'schemashift.events_append_only'::regproc
      ORDER BY 1`,
  );
  return rows.map((r) => r.proname);
}

/** Constraints of a table: name → { type, validated, columns }. */
export async function constraintsOf(
  s: Scenario,
  table: string,
): Promise<Record<string, { type: string; validated: boolean; columns: string[] }>> {
  const rows = await s.rows<{ conname: string; contype: string; convalidated: boolean; columns: string[] }>(
    `SELECT c.conname, c.contype::text, c.convalidated,
            coalesce((SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n), '{}') AS columns
       FROM pg_constraint c WHERE c.conrelid = $1::regclass ORDER BY c.conname`,
    [table],
  );
  return Object.fromEntries(
    rows.map((r) => [r.conname, { type: r.contype, validated: r.convalidated, columns: r.columns }]),
  );
}

/** attnotnull of a column. */
export async function notNull(s: Scenario, table: string, column: string): Promise<boolean> {
  return s.value<boolean>(`SELECT attnotnull FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2`, [
    table,
    column,
  ]);
}

/** format_type of a column. */
export async function typeOf(s: Scenario, table: string, column: string): Promise<string> {
  return s.value<string>(
    `SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2`,
    [table, column],
  );
}
