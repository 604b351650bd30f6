/**
 * Turns a zod object schema into the rows of a key table: one row per key, nested objects flattened
 * (`sync_from.column`, `columns[].name`). Reads zod's own definitions, so the table follows the schema.
 */
import ms from 'ms';
import { z } from 'zod';
import {
  duration,
  identifier,
  percent,
  positiveInt,
  qualifiedName,
  sqlCondition,
  sqlExpression,
  sqlQuery,
  sqlStatements,
  sqlType,
} from '../../src/plan/primitives.js';

export interface KeyRow {
  /** `table`, `column.name`, `columns[].name` */
  key: string;
  type: string;
  /** `required`, `optional` or `default: …` */
  presence: string;
  description: string;
}

/** The parts of zod's definitions this reader looks at. */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  element?: z.ZodType;
  in?: z.ZodType;
  valueType?: z.ZodType;
  entries?: Record<string, string | number>;
  values?: unknown[];
  defaultValue?: unknown;
  checks?: { _zod: { def: { check: string; value?: unknown; inclusive?: boolean; format?: string } } }[];
}

const defOf = (schema: z.ZodType): Def => schema._zod.def;

/** The shared building blocks, known by their definition (a `.describe()` copy keeps it). */
const NAMED_TYPES = new Map<unknown, string>(
  [
    [identifier, 'identifier'],
    [qualifiedName, 'table name (`orders` or `sales.orders`)'],
    [duration, 'duration (e.g. `2s`, `500ms`, or ms)'],
    [percent, 'percent (0–100)'],
    [positiveInt, 'integer > 0'],
    [sqlExpression, 'SQL expression'],
    [sqlCondition, 'SQL condition'],
    [sqlStatements, 'SQL statements'],
    [sqlQuery, 'SQL query (read-only)'],
    [sqlType, 'SQL type'],
  ].map(([schema, name]) => [defOf(schema as z.ZodType), name as string]),
);

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);

function descriptionOf(schema: z.ZodType): string | undefined {
  return z.globalRegistry.get(schema)?.description;
}

/** The schema under optional/default/nullable wrappers, and what the wrappers say. */
function unwrap(schema: z.ZodType): { inner: z.ZodType; optional: boolean; nullable: boolean; dflt?: unknown } {
  let inner = schema;
  let optional = false;
  let nullable = false;
  let dflt: unknown;
  let hasDefault = false;
  for (let def = defOf(inner); WRAPPERS.has(def.type) && def.innerType; def = defOf(inner)) {
    if (def.type === 'optional') optional = true;
    if (def.type === 'nullable') nullable = true;
    if ((def.type === 'default' || def.type === 'prefault') && !hasDefault) {
      hasDefault = true;
      dflt = def.defaultValue;
    }
    inner = def.innerType;
  }
  return hasDefault ? { inner, optional, nullable, dflt } : { inner, optional, nullable };
}

/** The first description from the outside in: the key's own text before its building block's. */
function firstDescription(schema: z.ZodType): string {
  let current: z.ZodType | undefined = schema;
  while (current) {
    const text = descriptionOf(current);
    if (text !== undefined) return text;
    const def = defOf(current);
    current = WRAPPERS.has(def.type) ? def.innerType : undefined;
  }
  return '';
}

function numberType(def: Def): string {
  const checks = (def.checks ?? []).map((c) => c._zod.def);
  const integer = checks.some((c) => c.check === 'number_format' && /int/.test(c.format ?? ''));
  const bounds = checks.flatMap((c) => {
    if (c.check === 'greater_than') return [`${c.inclusive ? '≥' : '>'} ${String(c.value)}`];
    if (c.check === 'less_than') return [`${c.inclusive ? '≤' : '<'} ${String(c.value)}`];
    return [];
  });
  return [integer ? 'integer' : 'number', ...bounds].join(' ');
}

const code = (value: unknown): string => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;

/** A readable type for one schema (without its wrappers' optional/default). */
export function typeName(schema: z.ZodType): string {
  const { inner, nullable } = unwrap(schema);
  const def = defOf(inner);
  const named = NAMED_TYPES.get(def);
  const base = named ?? structuralType(def);
  return nullable ? `${base} or null` : base;
}

function structuralType(def: Def): string {
  switch (def.type) {
    case 'string':
      return 'string';
    case 'number':
      return numberType(def);
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'enum':
      return `enum ${Object.values(def.entries ?? {})
        .map(code)
        .join(' | ')}`;
    case 'literal':
      return (def.values ?? []).map(code).join(' | ');
    case 'object':
      return 'object';
    case 'array':
      return def.element ? `list of ${plural(grouped(typeName(def.element)))}` : 'list';
    case 'record':
      return def.valueType ? `map of name → ${grouped(typeName(def.valueType))}` : 'map';
    case 'union':
      return [...new Set((def.options ?? []).map(typeName))].join(', or ');
    case 'pipe':
      return def.in ? typeName(def.in) : 'value';
    default:
      return 'any';
  }
}

/** A union inside a list or map, in parentheses: `map of name → (number, or string), or string`. */
function grouped(type: string): string {
  return type.includes(', or ') ? `(${type})` : type;
}

function plural(type: string): string {
  return type === 'object' ? 'objects' : type;
}

function presenceOf(schema: z.ZodType): string {
  const { inner, optional, dflt } = unwrap(schema);
  // An object's default is its keys' defaults, listed on their own rows.
  if (dflt !== null && typeof dflt === 'object' && !Array.isArray(dflt)) return 'optional';
  if (dflt !== undefined) {
    const isDuration = defOf(inner) === defOf(duration) && typeof dflt === 'number';
    return `default ${code(isDuration ? (dflt === 0 ? '0' : ms(dflt)) : dflt)}`;
  }
  return optional ? 'optional' : 'required';
}

/** The object schemas a value may be, looking through unions, lists and transforms. */
function nestedObjects(schema: z.ZodType): { suffix: string; object: z.ZodType }[] {
  const def = defOf(unwrap(schema).inner);
  switch (def.type) {
    case 'object':
      return [{ suffix: '', object: unwrap(schema).inner }];
    case 'pipe':
      return def.in ? nestedObjects(def.in) : [];
    case 'union':
      return (def.options ?? []).flatMap(nestedObjects);
    case 'array':
      return def.element ? nestedObjects(def.element).map((n) => ({ ...n, suffix: `[]${n.suffix}` })) : [];
    case 'record':
      return def.valueType ? nestedObjects(def.valueType).map((n) => ({ ...n, suffix: `.<name>${n.suffix}` })) : [];
    default:
      return [];
  }
}

/** The keys of an object schema (through transforms), in schema order. */
export function objectKeys(schema: z.ZodType): string[] {
  const def = defOf(unwrap(schema).inner);
  if (def.type === 'pipe' && def.in) return objectKeys(def.in);
  return def.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> {
  const def = defOf(unwrap(schema).inner);
  if (def.type === 'pipe' && def.in) return objectShape(def.in);
  return def.type === 'object' ? (def.shape ?? {}) : {};
}

/** An object schema used under several keys: its keys are listed once, in a section of their own. */
export interface SharedObject {
  /** The last key it appears under, e.g. `batch` (a full path when that name is taken). */
  name: string;
  object: z.ZodType;
}

/** Nested object schemas, by definition, that two or more keys share (across all of `schemas`). */
export function findSharedObjects(schemas: z.ZodType[]): Map<unknown, SharedObject> {
  const uses = new Map<unknown, { paths: string[]; object: z.ZodType }>();
  const visit = (schema: z.ZodType, prefix: string): void => {
    for (const [key, value] of Object.entries(objectShape(schema))) {
      for (const nested of nestedObjects(value)) {
        const path = `${prefix}${key}`;
        const def = defOf(nested.object);
        const use = uses.get(def) ?? { paths: [], object: nested.object };
        use.paths.push(path);
        uses.set(def, use);
        visit(nested.object, `${path}${nested.suffix}.`);
      }
    }
  };
  for (const schema of schemas) visit(schema, '');
  const shared = new Map<unknown, SharedObject>();
  const names = new Set<string>();
  for (const [def, { paths, object }] of uses) {
    if (paths.length < 2) continue;
    const first = paths[0] ?? '';
    const keys = [...new Set(paths.map((path) => path.split('.').pop() ?? path))].join(' / ');
    const name = names.has(keys) ? first : keys;
    names.add(name);
    shared.set(def, { name, object });
  }
  return shared;
}

export interface RowOptions {
  /** Objects listed in sections of their own: a key holding one links there instead of listing its keys. */
  shared?: Map<unknown, SharedObject>;
  /** How a row links to a shared object's section. */
  linkTo?: (shared: SharedObject) => string;
}

/** Every key of `schema` (an object), flattened; keys of the forms of a union are merged. */
export function keyRows(schema: z.ZodType, options: RowOptions = {}, prefix = ''): KeyRow[] {
  const rows: KeyRow[] = [];
  for (const [key, value] of Object.entries(objectShape(schema))) {
    const path = `${prefix}${key}`;
    const row = { key: path, type: typeName(value), presence: presenceOf(value), description: firstDescription(value) };
    rows.push(row);
    const forms: KeyRow[][] = [];
    for (const nested of nestedObjects(value)) {
      const shared = options.shared?.get(defOf(nested.object));
      if (shared && options.linkTo) row.description = `${row.description} ${options.linkTo(shared)}`.trim();
      else forms.push(keyRows(nested.object, options, `${path}${nested.suffix}.`));
    }
    rows.push(...mergeForms(forms));
  }
  return rows;
}

/** The rows of several object forms of one value, a key listed once: its types joined, its presence qualified. */
function mergeForms(forms: KeyRow[][]): KeyRow[] {
  if (forms.length <= 1) return forms[0] ?? [];
  const depth = (row: KeyRow) => row.key.split(/\.|\[\]/).length;
  const directDepth = Math.min(...forms.flat().map(depth));
  const merged = new Map<string, KeyRow[]>();
  for (const row of forms.flat()) merged.set(row.key, [...(merged.get(row.key) ?? []), row]);
  return [...merged.values()].map((same) => {
    const first = same[0] as KeyRow;
    const types = [...new Set(same.map((row) => row.type))];
    const presences = new Set(same.map((row) => row.presence));
    // A key under a key of one form is compared with the forms that have its parent, not with all of them.
    const inEveryForm = same.length === forms.length || depth(first) > directDepth;
    const presence =
      inEveryForm && presences.size === 1
        ? first.presence
        : presences.has('required')
          ? 'required in some forms'
          : 'optional';
    const description = same.map((row) => row.description).find((text) => text !== '') ?? '';
    return { ...first, type: types.join(' | '), presence, description };
  });
}
