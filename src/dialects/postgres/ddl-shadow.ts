import type { ActionRenderer } from '../actions.js';
import type { ShadowAction } from '../actions-shadow.js';
import { carryDdl, notNullDdl, swapDdl, syncDdl } from './ddl-shadow-columns.js';
import { viewDdl } from './ddl-views.js';

/** Shadow columns, sync triggers, carried attachments and materialized views in PostgreSQL's SQL. */
export const shadowDdl: ActionRenderer<ShadowAction> = {
  ...syncDdl,
  ...notNullDdl,
  ...carryDdl,
  ...swapDdl,
  ...viewDdl,
};
