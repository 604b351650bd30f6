/**
 * Everything the plan reference shows, read from the code: the zod schemas, the operation registry
 * and the steps written in plans/.
 */
import { z } from 'zod';
import { OPERATIONS } from '../../src/operations/index.js';
import type { Operation, Phase } from '../../src/operations/types.js';
import {
  identifier,
  duration,
  qualifiedName,
  sqlCondition,
  sqlExpression,
  sqlQuery,
  sqlStatements,
  sqlType,
} from '../../src/plan/primitives.js';
import {
  ifExistsSchema,
  lintSuppressionSchema,
  planHeaderSchema,
  STEP_META_KEYS,
  stepIdSchema,
} from '../../src/plan/schema.js';
import {
  exampleFor,
  minimalFormReversibility,
  planSteps,
  reversibilityIn,
  type OperationExample,
  type PlanStep,
} from './examples.js';
import { OPERATION_GROUPS } from './groups.js';
import { findSharedObjects, keyRows, typeName, type KeyRow, type SharedObject } from './schema-rows.js';

export interface OperationReference {
  kind: string;
  description: string;
  phases: readonly Phase[];
  rows: KeyRow[];
  example: OperationExample;
  /** One sentence: can a rollback undo it. */
  reversible: string;
}

export interface PlanReference {
  types: { name: string; description: string }[];
  header: KeyRow[];
  stepKeys: KeyRow[];
  groups: { title: string; operations: OperationReference[] }[];
  shared: { name: string; rows: KeyRow[] }[];
}

export const sharedHeading = (shared: { name: string }): string => `\`${shared.name}\` keys`;

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes. */
export function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replaceAll(' ', '-');
}

const BUILDING_BLOCKS = [
  identifier,
  qualifiedName,
  duration,
  sqlType,
  sqlExpression,
  sqlCondition,
  sqlQuery,
  sqlStatements,
];

/** Operations in group order; an operation in no group (or a group naming no operation) is an error here. */
function groupedOperations(): { title: string; operations: Operation[] }[] {
  const byKind = new Map(OPERATIONS.map((op) => [op.kind, op as Operation]));
  const grouped = OPERATION_GROUPS.map(({ title, kinds }) => ({
    title,
    operations: kinds.map((kind) => {
      const op = byKind.get(kind);
      if (!op) throw new Error(`scripts/operation-reference/groups.ts lists ${kind}, which is not an operation`);
      return op;
    }),
  }));
  const listed = new Set(OPERATION_GROUPS.flatMap((group) => group.kinds));
  const missing = OPERATIONS.filter((op) => !listed.has(op.kind)).map((op) => op.kind);
  if (missing.length > 0)
    throw new Error(`add ${missing.join(', ')} to a group in scripts/operation-reference/groups.ts`);
  return grouped;
}

/** Whether a rollback undoes the operation: its required-keys form and every step of it in plans/, compiled. */
async function reversibleText(op: Operation, example: OperationExample, rows: KeyRow[], steps: PlanStep[]) {
  const requiredKeys = rows.filter((row) => !/[.[]/.test(row.key) && row.presence === 'required').map((r) => r.key);
  const minimal = await minimalFormReversibility(op.kind, example, requiredKeys);
  const inPlans = await reversibilityIn('plans', op.kind, steps);
  const counted = `${inPlans.reversible} of ${inPlans.total} in plans/ reversible`;
  const anyReversible = inPlans.reversible > 0 || minimal?.reversible === true;
  const anyIrreversible = inPlans.reversible < inPlans.total || minimal?.reversible === false;
  const reason = minimal?.reason ?? inPlans.reason ?? '';
  if (!anyIrreversible) return `yes (${counted}).`;
  if (!anyReversible) return `no: ${reason} (${counted}).`;
  const when = minimal?.reason === undefined ? 'in some plans' : 'with its required keys only';
  return `depends on the step (${counted}); irreversible ${when}: ${reason}.`;
}

/** The keys a step may carry beside its operation, as fullPlanSchema() adds them to each step. */
function stepKeysSchema() {
  const schema = z.object({
    id: stepIdSchema.optional(),
    lint: lintSuppressionSchema.optional(),
    if_exists: ifExistsSchema.optional(),
  });
  const missing = STEP_META_KEYS.filter((key) => !(key in schema.shape));
  if (missing.length > 0) throw new Error(`describe step key ${missing.join(', ')} in stepKeysSchema()`);
  return schema;
}

export async function planReference(): Promise<PlanReference> {
  const groups = groupedOperations();
  const ordered = groups.flatMap((group) => group.operations);
  const sharedByDef = findSharedObjects(ordered.map((op) => op.schema));
  const linkTo = (shared: SharedObject) => `Keys: see [${sharedHeading(shared)}](#${anchorOf(sharedHeading(shared))}).`;
  const options = { shared: sharedByDef, linkTo };
  const steps = planSteps('plans');
  const reference: PlanReference = {
    types: BUILDING_BLOCKS.map((schema) => ({ name: typeName(schema), description: schema.description ?? '' })),
    header: keyRows(planHeaderSchema, options).map((row) =>
      /^phases\.\w+$/.test(row.key) ? { ...row, type: 'list of steps (see [Operations](#operations))' } : row,
    ),
    stepKeys: keyRows(stepKeysSchema(), options),
    groups: [],
    shared: [...sharedByDef.values()].map((shared) => ({ name: shared.name, rows: keyRows(shared.object, options) })),
  };
  for (const group of groups) {
    const operations: OperationReference[] = [];
    for (const op of group.operations) {
      const example = await exampleFor(op.kind, steps);
      if (!example) throw new Error(`no step of ${op.kind} in plans/ validates: add a plan that uses it to plans/`);
      const rows = keyRows(op.schema, options);
      const reversible = await reversibleText(op, example, rows, steps);
      operations.push({
        kind: op.kind,
        description: op.description,
        phases: op.allowedPhases,
        rows,
        example,
        reversible,
      });
    }
    reference.groups.push({ title: group.title, operations });
  }
  return reference;
}
