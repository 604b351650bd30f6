/** The `feature_management.feature_flags` list of a flags file (the Microsoft feature management schema). */
import { UsageError } from '../errors.js';
import type { FeatureFlag } from './definition.js';

export type Doc = Record<string, unknown> & {
  feature_management?: Record<string, unknown> & { feature_flags?: unknown[] };
};

export function checkMicrosoftSection(file: string, doc: unknown, formats: string): asserts doc is Doc {
  const fm = (doc as Doc | null)?.feature_management;
  if (
    doc === null ||
    typeof doc !== 'object' ||
    Array.isArray(doc) ||
    (fm !== undefined &&
      (fm === null || typeof fm !== 'object' || (fm.feature_flags !== undefined && !Array.isArray(fm.feature_flags))))
  ) {
    throw new UsageError(`the flags file ${file} is not a feature management document`, `expected ${formats}`);
  }
}

/**
 * The flags with their index in the list. Like the library's providers, the last entry with an id
 * is the one that counts (`ignoreCase`: ids compared as .NET compares them).
 */
export function microsoftEntries(doc: Doc, ignoreCase: boolean): [number, FeatureFlag][] {
  const flags = (doc.feature_management?.feature_flags ?? []) as FeatureFlag[];
  const fold = (id: string) => (ignoreCase ? id.toLowerCase() : id);
  const valid = (f: FeatureFlag | null) => f !== null && typeof f === 'object' && typeof f.id === 'string';
  return flags.flatMap((f, i): [number, FeatureFlag][] =>
    valid(f) && flags.findLastIndex((g) => valid(g) && fold(g.id) === fold(f.id)) === i ? [[i, f]] : [],
  );
}

const PERCENTAGE_NAME = /^(microsoft\.)?percentage$/i;
/** Stands for a Value .NET cannot read, so that an edit rewrites that Value's text (10.0 and 10 parse alike). */
const UNREADABLE_VALUE = '\u0000unreadable';

const keyIn = (o: Record<string, unknown>, name: string) => Object.keys(o).find((k) => k.toLowerCase() === name);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A copy of `value` whose Percentage filters' Values read as something no new value equals. */
export function withoutReadableValue<T>(value: T): T {
  const copy = structuredClone(value);
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!isObject(v)) return;
    const name = v[keyIn(v, 'name') ?? ''];
    const parameters = v[keyIn(v, 'parameters') ?? ''];
    if (typeof name === 'string' && PERCENTAGE_NAME.test(name) && isObject(parameters)) {
      const valueKey = keyIn(parameters, 'value');
      if (valueKey !== undefined) parameters[valueKey] = UNREADABLE_VALUE;
    }
    Object.values(v).forEach(visit);
  };
  visit(copy);
  return copy;
}
