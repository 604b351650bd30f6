/**
 * Compatibility shim: the catalog probes are the dialect's (`d.probes`, src/dialects/probes.ts).
 * These keep the old `(d, …)` signatures for callers not yet converted; remove once none is left.
 */
import type { Dialect } from '../dialects/dialect.js';
import type { DbObject } from './types.js';

export { describeObject, objectKey } from './objects.js';

type P = Dialect['probes'];

export const columnExists = (d: Dialect, ...a: Parameters<P['columnExists']>): string => d.probes.columnExists(...a);
export const columnExistsWithType = (d: Dialect, ...a: Parameters<P['columnExistsWithType']>): string =>
  d.probes.columnExistsWithType(...a);
export const columnAbsent = (d: Dialect, ...a: Parameters<P['columnAbsent']>): string => d.probes.columnAbsent(...a);
export const columnNotNull = (d: Dialect, ...a: Parameters<P['columnNotNull']>): string => d.probes.columnNotNull(...a);
export const columnNullable = (d: Dialect, ...a: Parameters<P['columnNullable']>): string =>
  d.probes.columnNullable(...a);
export const columnHasType = (d: Dialect, ...a: Parameters<P['columnHasType']>): string => d.probes.columnHasType(...a);
export const validIndexExists = (d: Dialect, ...a: Parameters<P['validIndexExists']>): string =>
  d.probes.validIndexExists(...a);
export const indexAbsent = (d: Dialect, ...a: Parameters<P['indexAbsent']>): string => d.probes.indexAbsent(...a);
export const constraintExists = (d: Dialect, ...a: Parameters<P['constraintExists']>): string =>
  d.probes.constraintExists(...a);
export const constraintValidated = (d: Dialect, ...a: Parameters<P['constraintValidated']>): string =>
  d.probes.constraintValidated(...a);
export const constraintAbsent = (d: Dialect, ...a: Parameters<P['constraintAbsent']>): string =>
  d.probes.constraintAbsent(...a);
export const triggerExists = (d: Dialect, ...a: Parameters<P['triggerExists']>): string => d.probes.triggerExists(...a);
export const triggerAbsent = (d: Dialect, ...a: Parameters<P['triggerAbsent']>): string => d.probes.triggerAbsent(...a);
export const relationExists = (d: Dialect, name: string): string => d.probes.relationExists(name);
export const relationAbsent = (d: Dialect, name: string): string => d.probes.relationAbsent(name);
export const relationsSwapped = (d: Dialect, building: string, retired: string): string =>
  d.probes.relationsSwapped(building, retired);
export const objectDefinition = (d: Dialect, o: DbObject): string => d.probes.objectDefinition(o);

/**
 * The old signature has no dialect: its callers are all PostgreSQL today. Use `d.probes.anyOf`;
 * this one goes with the shim.
 */
export function anyOf(...probes: string[]): string {
  return `SELECT ${probes.map((p) => `(${p})`).join(' OR ')}`;
}
