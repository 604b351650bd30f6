/**
 * The ownership mechanism needs every built-in operation to say what its SQL steps do: each undo
 * step names a forward step of its own entry that it undoes, and that forward step creates or
 * changes something; removing steps name what they remove.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';

const EVERY_OPERATION = `name: every
phases:
  expand:
    - add_column: { table: t, column: { name: a, type: text }, sync_from: { column: b, both_ways: true } }
    - create_index: { table: t, name: t_a_idx, columns: [a], where: "a <> ''" }
    - add_check: { table: t, name: t_a_check, expression: "a <> 'x'" }
    - add_foreign_key: { table: t, name: t_r_fkey, columns: [r], references: { table: u, columns: [id] } }
    - add_unique: { table: t, name: t_a_key, columns: [a] }
    - set_not_null: { table: t, column: a }
    - rename_column: { table: t, from: c, to: d, type: text, not_null: true }
    - change_type: { table: t, column: e, type: bigint }
    - create_materialized_view: { name: mv, query: "SELECT 1 AS one" }
    - replace_materialized_view: { name: mv2, query: "SELECT 2 AS two", unique_index: { columns: [two] } }
  contract:
    - drop_column: { table: t, column: z }
    - drop_index: { table: t, name: t_z_idx }
    - validate_constraint: { table: t, name: t_a_check }
`;

describe('effects and undoes of the built-in operations', () => {
  it('every SQL undo step names a forward step of its entry; SQL steps with a probe say what it means', async () => {
    const plans = [
      EVERY_OPERATION,
      ...readdirSync('plans')
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => readFileSync(`plans/${f}`, 'utf8')),
    ];
    for (const text of plans) {
      const compiled = compilePlan(await parsePlan('plan.yaml', text));
      for (const entry of compiled.entries) {
        const forward = new Map(entry.steps.map((s) => [s.id, s]));
        for (const step of entry.steps) {
          if (step.kind !== 'sql' || step.probe === undefined || entry.entry.kind === 'sql') continue;
          expect(step.effect, `${step.id} has a probe but no effect`).toBeDefined();
        }
        if (!('steps' in entry.inverse) || entry.entry.kind === 'sql') continue;
        for (const undo of entry.inverse.steps) {
          if (undo.kind !== 'sql') continue;
          expect(undo.effect, `${undo.id}: an undo step must not carry a forward effect`).toBeUndefined();
          const undone = undo.undoes === undefined ? undefined : forward.get(undo.undoes);
          expect(undone, `${undo.id} undoes ${undo.undoes}, not a step of ${entry.entry.id}`).toBeDefined();
          expect(
            undone?.kind === 'sql' && ['create', 'change'].includes(undone.effect?.does ?? ''),
            `${undo.id} undoes ${undo.undoes}, which neither creates nor changes`,
          ).toBe(true);
        }
      }
    }
  });

  it('drop_column and drop_index remove what they name; add_column creates the column as the plan defines it', async () => {
    const compiled = compilePlan(await parsePlan('plan.yaml', EVERY_OPERATION));
    const steps = new Map(compiled.entries.flatMap((e) => e.steps).map((s) => [s.id, s]));
    expect(steps.get('drop_column:t.z')).toMatchObject({
      effect: { does: 'remove', object: { kind: 'column', table: 't', name: 'z' } },
    });
    expect(steps.get('drop_index:t_z_idx')).toMatchObject({
      effect: { does: 'remove', object: { kind: 'index', table: 't', name: 't_z_idx' } },
    });
    expect(steps.get('add_column:t.a')).toMatchObject({
      effect: { does: 'create', object: { kind: 'column', table: 't', name: 'a', type: 'text', nullable: true } },
    });
    expect(steps.get('create_index:t_a_idx')).toMatchObject({
      effect: { does: 'create', object: { kind: 'index', columns: ['a'], where: "a <> ''", unique: false } },
    });
  });
});
