/**
 * The fields add_check, add_unique and add_foreign_key take to add their constraint through a copy
 * of an existing column (`column` + `up`), and the checks of those fields. A module that imports no
 * operation, so that the three operations can use it while they load (constraint-shadow.ts builds
 * the steps and imports them).
 */
import type { z } from 'zod';
import { activeSqlParser, identifier, sqlExpression, sqlType } from '../plan/primitives.js';
import { backfillOptionsSchema } from './backfill.js';
import { carryFields } from './carry-fields.js';
import { boundedName, reportSyncProblem } from './sync-trigger.js';
import type { Inverse, Operation, OperationContext, Step } from './types.js';

export const constraintShadowFields = {
  column: identifier
    .optional()
    .describe(
      'With `up`: the existing column the constraint is added to through a copy, so that the old application ' +
        'version can keep writing values that violate it until contract.',
    ),
  up: sqlExpression
    .optional()
    .describe(
      'SQL computing the copy from the row (old → new), written over the columns by bare name, e.g. ' +
        "CASE WHEN length(title) > 3 THEN title ELSE title || '-xxx' END. Its values must meet the constraint.",
    ),
  down: sqlExpression
    .optional()
    .describe('SQL computing the old column from the copy (new → old), over the copy (default: the copy as it is).'),
  type: sqlType.optional().describe("Required with `up`: the column's type, which the copy is created with."),
  temp_column: identifier
    .optional()
    .describe('The copy built beside the column and renamed over it in contract (default: <column>_new).'),
  ...carryFields,
  backfill: backfillOptionsSchema.optional().describe('With `up`: key, batch and throttle settings of the copy fill.'),
};

/** What the three operations' specs have in common with `up`. */
export interface ConstraintShadowSpec {
  table: string;
  name: string;
  column?: string | undefined;
  up?: string | undefined;
  down?: string | undefined;
  type?: string | undefined;
  temp_column?: string | undefined;
  validate?: boolean | undefined;
}

export const copyOf = (spec: { column?: string | undefined; temp_column?: string | undefined }): string =>
  spec.temp_column ?? boundedName(spec.column ?? '', 'new');

const WITH_UP_ONLY = ['column', 'down', 'type', 'temp_column', 'backfill', ...Object.keys(carryFields)] as const;

type Issue = (path: string, message: string, hint: string) => void;

function withoutUp(spec: ConstraintShadowSpec, issue: Issue): void {
  const given = WITH_UP_ONLY.find((f) => (spec as unknown as Record<string, unknown>)[f] !== undefined);
  if (given === undefined) return;
  issue(
    given,
    `\`${given}\` is only used with \`up\` (adding the constraint through a copy of the column)`,
    'add `up` (old value → value meeting the constraint) to keep the old application version writing until ' +
      `contract, or remove \`${given}\` to add the constraint in place`,
  );
}

/** What the constraint covers: its columns (unique, foreign key) or its expression (check). */
export interface ConstraintCovers {
  columns?: string[];
  expression?: string;
}

function withUp(
  spec: ConstraintShadowSpec,
  issue: Issue,
  { columns, expression }: ConstraintCovers,
): string | undefined {
  if (spec.column === undefined)
    return void issue('column', '`up` needs `column`: the column the copy replaces', 'name it, e.g. column: title');
  if (spec.type === undefined)
    issue('type', `missing \`type\`: the type of ${spec.column}, which the copy is created with`, 'e.g. type: text');
  if (columns !== undefined && !columns.includes(spec.column))
    issue(
      'column',
      `${spec.column} is not one of the constraint's columns`,
      `list it in columns: [${columns.join(', ')}]`,
    );
  if (expression !== undefined && activeSqlParser().readsColumn(expression, spec.column) === false)
    issue('column', `the expression does not read ${spec.column}`, `name the column the check is about`);
  if (spec.validate === false)
    issue('validate', '`validate: false` cannot be used with `up`', 'the copy is swapped in VALID; remove it');
  const copy = copyOf(spec);
  if (copy === spec.column)
    issue('temp_column', `temp_column is ${copy}, the column itself`, 'pick a free name, or leave temp_column out');
  if (spec.down !== undefined && activeSqlParser().readsColumn(spec.down, copy) === false)
    issue('down', `down does not read ${copy}, the copy that holds the new value`, `write it over ${copy}`);
  return spec.column;
}

/**
 * The refinement each of the three schemas runs: fields of the copy only with `up`; `column` (one
 * the constraint covers) and `type` with it; sync expressions the trigger can evaluate.
 */
export function refineConstraintShadow(
  spec: ConstraintShadowSpec,
  ctx: z.RefinementCtx,
  covers: ConstraintCovers,
): void {
  const issue: Issue = (path, message, hint) =>
    ctx.addIssue({ code: 'custom', path: [path], message, params: { hint } });
  const up = spec.up;
  if (up === undefined) return withoutUp(spec, issue);
  const column = withUp(spec, issue, covers);
  if (column === undefined) return;
  const [copy, down] = [copyOf(spec), spec.down];
  reportSyncProblem(
    ctx,
    (d) => ({ table: spec.table, from: column, to: copy, forward: up, reverse: down ?? d.ident(copy) }),
    {
      forward: ['up'],
      reverse: ['down'],
    },
  );
}

/** `if_exists: adopt` with `up`: the copy is filled and swapped in, so an existing one would be overwritten. */
export function copyAdoptRefusal(spec: ConstraintShadowSpec): { reason: string; hint: string } | undefined {
  if (spec.up === undefined) return undefined;
  return {
    reason:
      `with \`up\` the constraint goes on a copy of ${spec.column ?? 'the column'} (${copyOf(spec)}) that the plan ` +
      'fills, syncs and swaps in: an existing column or constraint of that name would be overwritten',
    hint: `remove \`if_exists: adopt\`; if ${copyOf(spec)} is left over from an earlier attempt by hand, drop it first`,
  };
}

/**
 * The column a plan entry replaces by a copy when it adds its constraint with `up` (for checks
 * that read plan entries: carry, sync windows, type names); undefined for any other entry.
 */
export function copiedColumn(
  kind: string,
  spec: unknown,
): { table: string; column: string; copy: string; type: string | undefined } | undefined {
  if (!['add_check', 'add_unique', 'add_foreign_key'].includes(kind)) return undefined;
  const s = spec as ConstraintShadowSpec;
  if (s.up === undefined || s.column === undefined) return undefined;
  return { table: s.table, column: s.column, copy: copyOf(s), type: s.type };
}

/**
 * The operation with its copy form: a spec with `up` is listed under expand only, refuses
 * `if_exists: adopt`, and runs and undoes through the copy; any other spec is the operation as it is.
 */
export function throughCopyForm<S extends ConstraintShadowSpec>(
  op: Operation<S>,
  copy: {
    forward: (spec: S, ctx: OperationContext) => Step[];
    inverse: (spec: S, ctx: OperationContext) => Inverse;
  },
): Operation<S> {
  return {
    ...op,
    phasesOf: (spec) => (spec.up === undefined ? op.allowedPhases : ['expand']),
    adoptRefusal: (spec) => (spec.up === undefined ? op.adoptRefusal?.(spec) : copyAdoptRefusal(spec)),
    forward: (spec, ctx) => (spec.up === undefined ? op.forward(spec, ctx) : copy.forward(spec, ctx)),
    inverse: (spec, ctx) => (spec.up === undefined ? op.inverse(spec, ctx) : copy.inverse(spec, ctx)),
  };
}
