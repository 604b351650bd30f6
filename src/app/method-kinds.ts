/** How a migrating repository treats each method: seed 003's [Read] / [Write] attributes, as data. */
import { isDeepStrictEqual } from 'node:util';

/**
 * Any async method: `never[]` parameters accept every parameter list (the router passes a call's own arguments back).
 */
export type AnyMethod = (...args: never[]) => Promise<unknown>;

/** A repository: an object whose members are async methods. */
export type RepositoryShape<T> = { [K in keyof T]: AnyMethod };

type ResultOf<F> = F extends (...args: never[]) => Promise<infer R> ? R : never;

/** True when the two results count as the same (default: deep strict equality). */
export type Comparer<R> = (oldResult: R, newResult: R) => boolean;

export interface ReadMethod<R> {
  kind: 'read';
  /** How results are compared in shadow-read. */
  compare?: Comparer<R>;
  /** false: never shadow-read this method (batch reads: check those with a separate job). Default true. */
  shadow?: boolean;
}

export type MethodKind<F> = 'read' | 'write' | { kind: 'write' } | ReadMethod<ResultOf<F>>;

/** Every method of the repository, declared read or write. */
export type MethodKinds<T> = { [K in keyof T]: MethodKind<T[K]> };

export interface NormalizedMethod {
  kind: 'read' | 'write';
  compare: Comparer<unknown>;
  shadow: boolean;
}

export function normalizeMethod(kind: MethodKind<AnyMethod>): NormalizedMethod {
  if (kind === 'write' || (typeof kind === 'object' && kind.kind === 'write'))
    return { kind: 'write', compare: isDeepStrictEqual, shadow: false };
  const read = typeof kind === 'object' ? kind : { kind: 'read' as const };
  return { kind: 'read', compare: read.compare ?? isDeepStrictEqual, shadow: read.shadow ?? true };
}
