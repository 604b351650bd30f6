/** pg_constraint.confdeltype / confupdtype codes, as the plan spells the actions. */
export const REFERENTIAL_ACTION_CODES: Record<string, string> = {
  a: 'no_action',
  r: 'restrict',
  c: 'cascade',
  n: 'set_null',
  d: 'set_default',
};
