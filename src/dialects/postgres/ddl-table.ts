import type { ActionRenderer } from '../actions.js';
import type { TableAction } from '../actions-table.js';

export const tableDdl: ActionRenderer<TableAction> = {
  'placeholder-table': () => ({ unsupported: 'placeholder', instead: 'placeholder' }),
};
