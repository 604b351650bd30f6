/** The spec both create_table test files use: every column shorthand and a table constraint. */
import type { SqlStep } from '../../src/operations/types.js';
import { forward } from '../support/operations.js';

export const orderEvents = {
  name: 'order_events',
  comment: 'What happened to an order (one row per event)',
  columns: [
    { name: 'id', type: 'bigint', pk: true, identity: 'always' },
    {
      name: 'order_id',
      type: 'bigint',
      nullable: false,
      references: { table: 'orders', column: 'id', on_delete: 'cascade' },
    },
    { name: 'kind', type: 'text', nullable: false, check: "kind IN ('created', 'paid')" },
    {
      name: 'amount',
      type: 'numeric(12,2)',
      default: '0',
      check: { name: 'order_events_amount_ok', constraint: 'amount >= 0' },
    },
    { name: 'amount_x2', type: 'numeric', generated: { expression: 'amount * 2' } },
    { name: 'ref', type: 'text', unique: true, comment: "the source's id" },
  ],
  constraints: [
    { name: 'order_events_order_kind_key', type: 'unique', columns: ['order_id', 'kind'], nulls_not_distinct: true },
  ],
};

export const onlyStep = (spec: unknown): SqlStep => forward('create_table', spec)[0] as SqlStep;
