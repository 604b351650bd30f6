import type { ActionRenderer } from '../actions.js';
import type { CarryAction, NotNullAction, SwapAction, SyncAction } from '../actions-shadow.js';
import { notNullDdl } from './ddl-not-null.js';
import { carryDdl } from './ddl-shadow-carry.js';
import { swapDdl } from './ddl-shadow-swap.js';
import { syncDdl } from './ddl-shadow-sync.js';

/** Shadow columns in T-SQL: the sync trigger, the NOT NULL recipe, the carried attachments, the swap. */
export const shadowColumnDdl: ActionRenderer<SyncAction | NotNullAction | CarryAction | SwapAction> = {
  ...syncDdl,
  ...notNullDdl,
  ...carryDdl,
  ...swapDdl,
};
