/** Plans and run options shared by the `after:` tests (two plans on one `users` table). */
import { compilePlan, type CompiledPlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import type { RunOptions } from '../../src/runner/run-plan.js';

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
