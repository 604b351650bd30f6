/**
 * `import 'schemashift'` from a user's project: the packed package loads a plan, compiles it, runs a
 * tiny plan on a fresh PostgreSQL database with events, reads its status, and its .d.ts type-check a
 * user's TypeScript file (with a deliberate type error that must be reported as one).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPostgresDatabase,
  postgresAdminUrl,
  postgresSkipReason,
  type TestDatabase,
} from '../support/databases.js';
import { ensureBuilt, repoRoot, scratchProject } from './scratch-project.js';

const run = promisify(execFile);

const USER_CODE = `import {
  compilePlan, loadPlanFile, readStatus, runPlan, PlanError,
  type CompiledPlan, type Connection, type Dialect, type PlanStatus, type RunnerEvent, type RunOutcome,
} from 'schemashift';

export const compiled: CompiledPlan = compilePlan(await loadPlanFile('plan.yaml'));
export const dialect: Dialect = compiled.dialect;
export const describeEvent = (e: RunnerEvent): string => (e.type === 'step-done' ? \`\${e.step.id} \${e.ms}ms\` : e.type);
export async function go(conn: Connection, signal: AbortSignal): Promise<[RunOutcome, PlanStatus[]]> {
  const outcome = await runPlan(conn, compiled, {
    mode: 'run', acceptDrift: false, answers: { yes: true }, emit: (e) => void describeEvent(e), signal,
    command: (verb) => verb,
  });
  return [outcome, await readStatus(conn, compiled.plan.name)];
}
export const isPlanError = (e: unknown): number | undefined => (e instanceof PlanError ? e.exitCode : undefined);
// @ts-expect-error: the outcome kinds are a closed union, not any
export const wrong: RunOutcome = { kind: 'nope' };
`;

/** What fixtures/use-library.mjs prints. */
interface Seen {
  dialect: string;
  app: string;
  foreignKey: unknown;
  planError: unknown;
  run: { outcome: unknown; events: string[]; columns: string[]; status: unknown[] };
}

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  },
  include: ['user-code.ts'],
};

describe('the packed package, imported from a scratch project', () => {
  let project: string;

  beforeAll(() => {
    ensureBuilt();
    project = scratchProject();
    copyFileSync(join(import.meta.dirname, 'fixtures', 'use-library.mjs'), join(project, 'use-library.mjs'));
  }, 240_000);

  afterAll(() => {
    if (project) rmSync(dirname(project), { recursive: true, force: true });
  });

  describe.skipIf(!postgresAdminUrl)(
    `on PostgreSQL${postgresSkipReason ? ` (skipped: ${postgresSkipReason})` : ''}`,
    () => {
      let db: TestDatabase;
      beforeAll(async () => {
        db = await createPostgresDatabase('schemashift_package');
      });
      afterAll(async () => {
        await db?.close();
      });

      it('loads, compiles and runs plans, with events and status', async () => {
        const { stdout } = await run(process.execPath, ['use-library.mjs', db.url ?? ''], { cwd: project });
        const seen = JSON.parse(stdout) as Seen;
        expect(seen.dialect).toBe('postgres');
        expect(seen.app).toBe('function');
        expect(seen.foreignKey).toEqual({
          name: 'orders-customer-fk',
          firstStepId: 'create_index:idx_orders_customer_id_fk',
          firstStepSql: 'CREATE INDEX CONCURRENTLY idx_orders_customer_id_fk ON orders (customer_id)',
        });
        expect(seen.planError).toMatchObject({ isPlanError: true, exitCode: 2 });
        expect(seen.run.outcome).toEqual({ kind: 'done' });
        expect(seen.run.events).toEqual(
          expect.arrayContaining(['phase-start', 'step-start', 'step-done', 'phase-done']),
        );
        expect(seen.run.columns).toEqual(['id', 'note']);
        expect(seen.run.status).toEqual([
          {
            plan: 'package-import-test',
            status: 'done',
            next: { step: null, message: 'done: nothing left to run', command: null },
          },
        ]);
      });
    },
  );

  it("type-checks a user's TypeScript against the package's .d.ts", async () => {
    writeFileSync(join(project, 'user-code.ts'), USER_CODE);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project }).catch(
      (e: { stdout: string }) => e,
    );
    expect(result.stdout).toBe('');
  });
});
