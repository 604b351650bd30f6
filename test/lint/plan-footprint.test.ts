/** What each composite operation touches, and when: swaps and sync triggers last until contract. */
import { describe, expect, it } from 'vitest';
import { entryFootprint } from '../../src/lint/database/plan-footprint.js';

const touches = (kind: string, spec: object) =>
  entryFootprint(kind, spec, 'e', 'expand').map((t) => `${t.table}.${t.column} ${t.access} ${t.phase}`);

describe('entryFootprint', () => {
  it('sync_from (string or { column }) reads the source until contract; both_ways / reverse write it', () => {
    const column = { name: 'b', type: 'text' };
    expect(touches('add_column', { table: 't', column, sync_from: 'a' })).toEqual([
      't.b write expand',
      't.a read contract',
    ]);
    expect(touches('add_column', { table: 't', column, sync_from: { column: 'a' } })).toContain('t.a read contract');
    expect(touches('add_column', { table: 't', column, sync_from: { column: 'a', both_ways: true } })).toContain(
      't.a write contract',
    );
    expect(touches('add_column', { table: 't', column, sync_from: { column: 'a', reverse: 'b' } })).toContain(
      't.a write contract',
    );
  });

  it('swapped at contract: change_type, set_not_null up, drop_not_null down, constraints with up', () => {
    const swap = ['t.c contract expand', 't.c_new write contract'];
    expect(touches('change_type', { table: 't', column: 'c', type: 'int' })).toEqual(swap);
    expect(touches('change_type', { table: 't', column: 'c', type: 'int', temp_column: 'tmp' })).toEqual([
      't.c contract expand',
      't.tmp write contract',
    ]);
    expect(touches('set_not_null', { table: 't', column: 'c', up: 'c' })).toEqual(swap);
    expect(touches('set_not_null', { table: 't', column: 'c' })).toEqual(['t.c write expand']);
    expect(touches('drop_not_null', { table: 't', column: 'c', down: 'c' })).toEqual(swap);
    expect(touches('add_check', { table: 't', name: 'k', check: 'c > 0', column: 'c', up: 'c' })).toEqual(swap);
    expect(touches('add_unique', { table: 't', name: 'k', columns: ['c'], column: 'c', up: 'c' })).toEqual([
      't.c read expand',
      ...swap,
    ]);
    expect(
      touches('add_foreign_key', {
        table: 't',
        name: 'k',
        columns: ['c'],
        column: 'c',
        up: 'c',
        references: { table: 'u', columns: ['id'] },
      }),
    ).toEqual(['t.c read expand', ...swap, 'u.id read expand']);
    expect(touches('drop_column', { table: 't', column: 'c', down: '1' })).toEqual(['t.c contract expand']);
  });
});
