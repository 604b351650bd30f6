/** `after:` in a plan header: the forms it accepts, and exit 2 with file:line:col for the ones it refuses. */
import { describe, expect, it } from 'vitest';
import { cli, folderWith } from '../cli/cli-support.js';
import { parsePlan } from '../../src/plan/load.js';

const plan = (after: string) => `name: add-phone
${after}
phases:
  expand:
    - add_column: { table: users, column: { name: phone, type: text } }
`;

async function validate(after: string) {
  const dir = folderWith({ 'add-phone.yaml': plan(after) });
  return cli(['validate', 'add-phone.yaml'], { cwd: dir });
}

describe('after: in the plan header', () => {
  it('a bare name waits for the whole plan, { plan, phase } for that phase', async () => {
    const loaded = await parsePlan('p.yaml', plan('after: [add-email, { plan: add-name, phase: migrate }]'));
    expect(loaded.after).toEqual([
      { plan: 'add-email', phase: 'complete' },
      { plan: 'add-name', phase: 'migrate' },
    ]);
    expect((await parsePlan('p.yaml', plan(''))).after).toBeUndefined();
  });

  it('after does not change the plan hash (adding an order to a running plan is no drift)', async () => {
    const without = await parsePlan('p.yaml', plan(''));
    const withAfter = await parsePlan('p.yaml', plan('after: [add-email]'));
    expect(withAfter.hash).toBe(without.hash);
  });

  it.each([
    ['after: [add-phone]', 'add-phone.yaml:2:9: error[invalid-plan]: plan add-phone lists itself in `after`'],
    [
      'after: [{ plan: add-email, phase: expnad }]',
      'add-phone.yaml:2:35: error[invalid-plan]: plan: `phase` is the string `expnad`, expected one of expand, migrate, contract',
    ],
    [
      'after: add-email',
      'add-phone.yaml:2:8: error[invalid-plan]: plan: `after` is the string `add-email`, expected a list',
    ],
    [
      'after: [add-email, { plan: add-email, phase: expand }]',
      'add-phone.yaml:2:20: error[invalid-plan]: plan add-email is listed twice in `after` (first at item 1)',
    ],
    [
      'after: ["bad name"]',
      'add-phone.yaml:2:9: error[invalid-plan]: plan: `after[0]` is the string `bad name`, expected letters, digits, and _ . - (not ' +
        'starting with a symbol)',
    ],
  ])('%s: exit 2 with its position', async (after, message) => {
    const r = await validate(after);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toContain(message);
  });

  it('an unknown phase says which phases there are, with a suggestion', async () => {
    const r = await validate('after: [{ plan: add-email, phase: expnad }]');
    expect(r.stdout + r.stderr).toContain('did you mean `expand`?');
  });
});
