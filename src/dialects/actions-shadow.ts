/** Neutral actions of shadow columns, sync triggers, carried attachments and views. */
export type ShadowAction = { kind: 'placeholder-shadow' };
