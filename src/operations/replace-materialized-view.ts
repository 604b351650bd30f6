import { z } from 'zod';
import type { ViewSwap } from '../dialects/actions-shadow.js';
import { splitQualified } from '../dialects/dialect.js';
import { identifier, qualifiedName, sqlQuery } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { dropMaterializedViewStep } from './create-materialized-view.js';
import { boundedName } from './sync-trigger.js';
import { defineOperation, type OperationContext, type SqlStep } from './types.js';

const indexColumns = z.array(identifier).min(1).describe('Indexed columns of the view, in order.');

export const replaceMaterializedViewSchema = z
  .object({
    name: qualifiedName.describe('The materialized view, optionally schema-qualified.'),
    query: sqlQuery.describe('The new query that defines the view.'),
    unique_index: z
      .object({ columns: indexColumns })
      .strict()
      .optional()
      .describe('A unique index, which a concurrent refresh needs.'),
    indexes: z
      .array(
        z
          .object({
            name: identifier.optional().describe('The index name (default <view>_<columns>_idx).'),
            columns: indexColumns,
          })
          .strict(),
      )
      .optional()
      .describe('Non-unique indexes to build on the new view.'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const names = indexesOf(spec).map((i) => i.final);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) {
      ctx.addIssue({
        code: 'custom',
        path: ['indexes'],
        message: `two indexes of ${spec.name} would both be named ${twice}`,
        params: { hint: 'give one of them a `name:`' },
      });
    }
  });

export type ReplaceMaterializedViewSpec = z.output<typeof replaceMaterializedViewSchema>;

interface ViewIndex {
  unique: boolean;
  columns: string[];
  /** Its name once the view is swapped in; built as `building`, the old view's one is parked as `retired`. */
  final: string;
  building: string;
  retired: string;
}

/** `<name>__new` / `<name>__old`, at most 63 bytes. */
function sibling(name: string, tag: 'new' | 'old'): string {
  return boundedName(`${name}_`, tag);
}

function indexesOf(spec: Pick<ReplaceMaterializedViewSpec, 'name' | 'unique_index' | 'indexes'>): ViewIndex[] {
  const base = splitQualified(spec.name).name;
  const wanted = [
    ...(spec.unique_index ? [{ unique: true, columns: spec.unique_index.columns, name: undefined }] : []),
    ...(spec.indexes ?? []).map((i) => ({ unique: false, columns: i.columns, name: i.name })),
  ];
  return wanted.map((w) => {
    const final = w.name ?? boundedName(base, ...w.columns, w.unique ? 'key' : 'idx');
    return {
      unique: w.unique,
      columns: w.columns,
      final,
      building: sibling(final, 'new'),
      retired: sibling(final, 'old'),
    };
  });
}

/** Every name involved, schema-qualified like the view (indexes live in their table's schema). */
function swapOf(spec: Pick<ReplaceMaterializedViewSpec, 'name' | 'unique_index' | 'indexes'>): ViewSwap {
  const { schema, name: base } = splitQualified(spec.name);
  const inSchema = (n: string) => (schema === undefined ? n : `${schema}.${n}`);
  const indexes = indexesOf(spec).map(({ final, building, retired }) => ({ final, building, retired }));
  return {
    view: spec.name,
    building: inSchema(sibling(base, 'new')),
    retired: inSchema(sibling(base, 'old')),
    indexes,
  };
}

// A plain (non-concurrent) build is fine: nobody reads the new view yet.
function indexStep(
  spec: ReplaceMaterializedViewSpec,
  ctx: OperationContext,
  swap: ViewSwap,
  index: ViewIndex,
): SqlStep {
  return actionStep(ctx, {
    id: `${ctx.id}/index-${index.final}`,
    summary: `create ${index.unique ? 'unique ' : ''}index ${index.final} on the new ${spec.name}`,
    action: {
      kind: 'create-view-index',
      view: swap.building,
      name: index.building,
      columns: index.columns,
      unique: index.unique,
    },
    effect: {
      does: 'create',
      object: {
        kind: 'index',
        table: swap.building,
        name: index.building,
        columns: index.columns,
        unique: index.unique,
        method: 'btree',
      },
    },
  });
}

export const replaceMaterializedView = defineOperation<ReplaceMaterializedViewSpec>({
  kind: 'replace_materialized_view',
  description:
    'Change a materialized view without blocking its readers: build `<name>__new` beside it, index it, swap the ' +
    'names in one short transaction, drop the old view in contract. Index names are `<name>_<columns>_idx` (`_key` ' +
    'for the unique one) unless named; an index already holding such a name is parked with the old view. ' +
    "PostgreSQL: the swap gives the new view the old one's owner, grants and comment (and the column grants and " +
    'comments of the columns both have); the views, materialized views and functions (BEGIN ATOMIC) that read ' +
    'the old view, found recursively in the catalog when the swap runs, are dropped and recreated against the ' +
    'new one in the swap transaction, from their catalog definitions, with owners, grants, comments, options and ' +
    'indexes (a dependent materialized view is created empty and, if it had data, refreshed as its owner under ' +
    'the swap lock); anything else depending on it makes the swap refuse, naming it. Rollback carries them back ' +
    'to the old view, as it was. Contract refuses to drop the old view while anything still reads it (never CASCADE).',
  schema: replaceMaterializedViewSchema,
  allowedPhases: ['expand', 'migrate'],
  target: (spec) => spec.name,
  forward(spec, ctx) {
    const swap = swapOf(spec);
    return [
      actionStep(ctx, {
        id: `${ctx.id}/build`,
        summary: `build the new ${spec.name} beside it as ${swap.building}`,
        action: { kind: 'create-materialized-view', name: swap.building, query: spec.query, withData: true },
        effect: { does: 'create', object: { kind: 'materialized view', name: swap.building, query: spec.query } },
      }),
      ...indexesOf(spec).map((index) => indexStep(spec, ctx, swap, index)),
      actionStep(ctx, {
        id: `${ctx.id}/swap`,
        summary:
          `swap ${swap.building} in as ${spec.name} (old one kept as ${swap.retired})` +
          // Only PostgreSQL's swap hands the old view's owner, grants and comments to the new one.
          (ctx.dialect.name === 'postgres' ? ", with the old one's owner, grants and comments" : '') +
          '; what reads the old one is carried over to the new one in the same transaction',
        action: { kind: 'swap-materialized-view', ...swap },
        // The old view, parked under its __old name, is this plan's from here on.
        effect: { does: 'create', object: { kind: 'materialized view', name: swap.retired } },
      }),
      actionStep(
        { ...ctx, phase: 'contract' },
        {
          id: `${ctx.id}/drop-old`,
          summary: `drop materialized view ${swap.retired} (refused while anything still reads it)`,
          action: { kind: 'drop-materialized-view', name: swap.retired, replacedBy: spec.name },
          effect: { does: 'remove', object: { kind: 'materialized view', name: swap.retired } },
        },
      ),
    ];
  },
  inverse(spec, ctx) {
    const swap = swapOf(spec);
    const swapBack = actionStep(ctx, {
      id: `${ctx.id}/undo-swap`,
      summary:
        `swap the old ${spec.name} back in, if it is still kept as ${swap.retired}; what reads ${spec.name} ` +
        'is carried back to it',
      action: { kind: 'swap-back-materialized-view', ...swap },
      undoes: `${ctx.id}/swap`,
    });
    return {
      steps: [
        swapBack,
        { ...dropMaterializedViewStep(swap.building, ctx, `${ctx.id}/undo`), undoes: `${ctx.id}/build` },
      ],
    };
  },
});
