/**
 * Names of a plan's replication objects: `ss_fwd_<plan>` (blue → green) and `ss_rev_<plan>` (green →
 * blue), each used for the publication, the slot and the subscription of its direction. A slot name
 * may only hold [a-z0-9_] and 63 bytes; a long plan name keeps its start and gains a short hash, so
 * that two plans never share a name by truncation.
 */
import { createHash } from 'node:crypto';
import type { ReplicationNames } from './types.js';

const MAX_NAME_BYTES = 63;

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

export function replicationName(prefix: string, plan: string): string {
  const base = plan.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const name = `${prefix}${base}`;
  if (name.length <= MAX_NAME_BYTES && base === plan) return name;
  if (name.length <= MAX_NAME_BYTES - 9) return `${name}_${shortHash(plan)}`;
  return `${name.slice(0, MAX_NAME_BYTES - 9)}_${shortHash(plan)}`;
}

export function replicationNames(plan: string): ReplicationNames {
  return { forward: replicationName('ss_fwd_', plan), reverse: replicationName('ss_rev_', plan) };
}
