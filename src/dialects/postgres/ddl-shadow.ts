import type { ActionRenderer } from '../actions.js';
import type { ShadowAction } from '../actions-shadow.js';

export const shadowDdl: ActionRenderer<ShadowAction> = {
  'placeholder-shadow': () => ({ unsupported: 'placeholder', instead: 'placeholder' }),
};
