/** Turn zod issues into plan problems that say where, what was found, what is expected, and how to fix it. */
import type { z } from 'zod';
import type { PlanProblem } from '../errors.js';
import { didYouMean } from './suggest.js';
import type { YamlPath } from './types.js';
import type { YamlSource } from './yaml-source.js';

/** The parts of a zod definition `expectedKeysAt` reads; which are present depends on `type`. */
interface SchemaDef {
  type: string;
  innerType?: AnySchema;
  in?: AnySchema;
  options?: AnySchema[];
  element?: AnySchema;
  valueType?: AnySchema;
  shape?: Record<string, AnySchema>;
}
type AnySchema = z.ZodType & { _zod: { def: SchemaDef } };

/** Unwrap optional/default/pipe/union/array wrappers to the object keys expected at `path`. */
export function expectedKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const found = new Set<string>();
  const visit = (s: AnySchema | undefined, rest: readonly PropertyKey[]): void => {
    if (!s) return;
    const def = s._zod.def;
    switch (def.type) {
      case 'optional':
      case 'default':
      case 'nullable':
      case 'prefault':
      case 'readonly':
      case 'catch':
        return visit(def.innerType, rest);
      case 'pipe':
        return visit(def.in, rest);
      case 'union':
        for (const option of def.options ?? []) visit(option, rest);
        return;
      case 'array':
        return rest.length > 0 ? visit(def.element, rest.slice(1)) : undefined;
      case 'record':
        return rest.length > 0 ? visit(def.valueType, rest.slice(1)) : undefined;
      case 'object':
        if (rest.length === 0) for (const key of Object.keys(def.shape ?? {})) found.add(key);
        else visit(def.shape?.[rest[0] as string], rest.slice(1));
        return;
      default:
        return;
    }
  };
  visit(schema, path);
  return [...found];
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string \`${value.length > 60 ? `${value.slice(0, 57)}...` : value}\``;
  const scalar = value as number | boolean | bigint | symbol; // what is left: a YAML number or boolean
  return `${typeof value} \`${String(scalar)}\``;
}

const EXPECTED_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
  record: 'a mapping',
  bigint: 'a number',
};

function fieldName(path: YamlPath): string {
  const lastName = [...path].reverse().findIndex((p) => typeof p === 'string');
  if (lastName < 0) return 'value';
  const name = path[path.length - 1 - lastName] as string;
  const indexes = path
    .slice(path.length - lastName)
    .map((i) => `[${i}]`)
    .join('');
  return `\`${name}${indexes}\``;
}

interface IssueScope {
  base: YamlPath;
  schema: z.ZodType;
  source: YamlSource;
  context: string;
}

/** One issue where it happened: its path below the step, the YAML path, the value found, zod params. */
interface IssueAt {
  rel: readonly PropertyKey[];
  path: YamlPath;
  found: unknown;
  params: { hint?: string; offset?: number };
}

export function zodIssuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  base: YamlPath,
  schema: z.ZodType,
  source: YamlSource,
  context: string,
): PlanProblem[] {
  const scope: IssueScope = { base, schema, source, context };
  const problems = issues.flatMap((issue) => {
    const rel = issue.path;
    const path: YamlPath = [...base, ...rel.filter((p) => typeof p !== 'symbol')];
    const params = ((issue as { params?: Record<string, unknown> }).params ?? {}) as IssueAt['params'];
    return issueProblems(issue, scope, { rel, path, found: source.valueAt(path), params });
  });
  return dropMissingExplainedByTypo(problems);
}

function issueProblems(issue: z.core.$ZodIssue, scope: IssueScope, at: IssueAt): PlanProblem[] {
  const { source, context } = scope;
  const { path, found, params } = at;
  switch (issue.code) {
    case 'unrecognized_keys':
      return unknownKeys(issue.keys, scope, at);
    case 'invalid_type':
      return [wrongType(issue.expected, scope, at)];
    case 'too_small':
    case 'too_big':
      return [outOfBounds(issue, scope, at)];
    case 'invalid_value': {
      const values = (issue as { values: unknown[] }).values.map(String);
      const suggestion = typeof found === 'string' ? didYouMean(found, values) : undefined;
      const message = `${context}: ${fieldName(path)} is ${describeValue(found)}, expected one of ${values.join(', ')}`;
      return [{ at: source.locate(path), message, hint: suggestion ?? `use one of ${values.join(', ')}` }];
    }
    case 'invalid_union':
      return unionProblems((issue as { errors: z.core.$ZodIssue[][] }).errors, scope, at);
    case 'custom': {
      const where = params.offset !== undefined ? source.locateInScalar(path, params.offset) : source.locate(path);
      return [{ at: where, message: `${context}: ${issue.message}`, ...(params.hint ? { hint: params.hint } : {}) }];
    }
    case 'invalid_format':
      return [
        {
          at: source.locate(path),
          message: `${context}: ${fieldName(path)} is ${describeValue(found)}, expected ${issue.message}`,
          hint: params.hint ?? `rewrite ${fieldName(path)} using only the characters allowed`,
        },
      ];
    default:
      return [
        {
          at: source.locate(path),
          message: `${context}: ${fieldName(path)}: ${issue.message} (found ${describeValue(found)})`,
          hint: 'see schema/plan.schema.json for what this key accepts',
        },
      ];
  }
}

function unknownKeys(keys: readonly string[], { schema, source, context }: IssueScope, { rel, path }: IssueAt) {
  const expected = expectedKeysAt(schema, rel);
  return keys.map((key) => ({
    at: source.locateKey(path, key),
    message: `unknown key \`${key}\` in ${context}${rel.length ? ` (at ${rel.join('.')})` : ''}`,
    hint: didYouMean(key, expected) ?? `expected one of: ${expected.join(', ')}`,
  }));
}

function wrongType(expectedType: string, { source, context }: IssueScope, { path, found }: IssueAt): PlanProblem {
  const expected = EXPECTED_NAMES[expectedType] ?? expectedType;
  const missing = found === undefined;
  return {
    at: source.locate(path),
    message: missing
      ? `${context}: missing ${fieldName(path)}, expected ${expected}`
      : `${context}: ${fieldName(path)} is ${describeValue(found)}, expected ${expected}`,
    hint: missing
      ? `add \`${String(path[path.length - 1])}:\` to ${context}`
      : `write ${fieldName(path)} as ${expected}`,
  };
}

function outOfBounds(issue: z.core.$ZodIssue, { source, context }: IssueScope, { path, found, params }: IssueAt) {
  const small = issue.code === 'too_small';
  const bound = small
    ? (issue as { minimum: number | bigint }).minimum
    : (issue as { maximum: number | bigint }).maximum;
  const inclusive = (issue as { inclusive?: boolean }).inclusive !== false;
  const origin = (issue as { origin?: string }).origin;
  const rule =
    origin === 'array'
      ? `at ${small ? 'least' : 'most'} ${bound} item(s)`
      : origin === 'string'
        ? `at ${small ? 'least' : 'most'} ${bound} character(s)`
        : `${small ? (inclusive ? '≥' : '>') : inclusive ? '≤' : '<'} ${bound}`;
  return {
    at: source.locate(path),
    message: `${context}: ${fieldName(path)} must be ${rule}, found ${describeValue(found)}`,
    hint: params.hint ?? `use a value ${rule}`,
  };
}

/** A union: the issues of the closest alternative when the value is a mapping, else "an unexpected form". */
function unionProblems(nested: z.core.$ZodIssue[][], scope: IssueScope, { rel, path, found }: IssueAt) {
  const best = [...nested].sort((a, b) => a.length - b.length)[0];
  if (best && best.length > 0 && typeof found === 'object' && found !== null) {
    const { base, schema, source, context } = scope;
    const issues = best.map((i) => ({ ...i, path: [...rel, ...i.path] }));
    return zodIssuesToProblems(issues, base, schema, source, context);
  }
  return [
    {
      at: scope.source.locate(path),
      message: `${scope.context}: ${fieldName(path)} has an unexpected form (${describeValue(found)})`,
      hint: 'see schema/plan.schema.json or the README for the accepted forms',
    },
  ];
}

/** "missing `column`" next to "unknown key `colum` — did you mean `column`?" says the same thing twice. */
function dropMissingExplainedByTypo(problems: PlanProblem[]): PlanProblem[] {
  const suggested = new Set(
    problems.map((p) => /^did you mean `([^`]+)`/.exec(p.hint ?? '')?.[1]).filter((k): k is string => k !== undefined),
  );
  return problems.filter((p) => {
    const missing = /: missing `([^`]+)`/.exec(p.message)?.[1];
    return missing === undefined || !suggested.has(missing);
  });
}
