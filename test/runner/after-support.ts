/** Plans and run options shared by the `after:` tests (two plans on one `users` table). */
import { afterEach, beforeEach } from 'vitest';
import { connect, type Connection } from '../../src/db/index.js';
import { compilePlan, type CompiledPlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import type { RunOptions } from '../../src/runner/run-plan.js';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.js';

/** add-email: adds users.email in expand, drops users.legacy_login in contract; `settings` adds a settings line. */
export const addEmail = (settings = '') => `name: add-email
${settings ? `settings: ${settings}\n` : ''}phases:
  expand:
    - add_column: { table: users, column: { name: email, type: text } }
  contract:
    - drop_column: { table: users, column: legacy_login }
`;

/** add-phone: waits for add-email's expand. */
export const ADD_PHONE = `name: add-phone
after: [{ plan: add-email, phase: expand }]
phases:
  expand:
    - add_column: { table: users, column: { name: phone, type: text } }
`;

export const compiled = async (yaml: string): Promise<CompiledPlan> => compilePlan(await parsePlan('plan.yaml', yaml));

export const runOptions = (mode: RunOptions['mode'] = 'run'): RunOptions => ({
  mode,
  acceptDrift: false,
  answers: { yes: true },
  emit: () => undefined,
  signal: new AbortController().signal,
  command: (verb) => `schemashift ${verb} plan.yaml`,
});

/** Two sessions on a fresh database with a `users (id, legacy_login)` table, made before each test of the file. */
export interface UsersDatabase {
  db: TestDatabase;
  conn: Connection;
  other: Connection;
}

/** Registers the hooks that give each test of the calling `describe` its own users database; read it inside a test. */
export function usersDatabase(prefix: string): UsersDatabase {
  const it = {} as UsersDatabase;
  beforeEach(async () => {
    it.db = await createPostgresDatabase(prefix);
    await it.db.exec('CREATE TABLE users (id bigint PRIMARY KEY, legacy_login text)');
    it.conn = await connect(it.db.url!);
    it.other = await connect(it.db.url!);
  });
  afterEach(async () => {
    await it.conn.close();
    await it.other.close();
    await it.db.close();
  });
  return it;
}
