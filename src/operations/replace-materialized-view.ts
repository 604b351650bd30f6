import { z } from 'zod';
import type { Dialect } from '../dialects/dialect.js';
import { splitQualified } from '../dialects/dialect.js';
import { identifier, qualifiedName, sqlQuery } from '../plan/primitives.js';
import { dollarQuote } from '../sql/statements.js';
import { relationAbsent, relationExists, relationsSwapped, validIndexExists } from './catalog-probes.js';
import { createMaterializedViewSql, dropMaterializedViewStep, readLock } from './create-materialized-view.js';
import { boundedName } from './sync-trigger.js';
import { defineOperation, type OperationContext, type SqlStep } from './types.js';

const indexColumns = z.array(identifier).min(1).describe('Indexed columns of the view, in order.');

export const replaceMaterializedViewSchema = z
  .object({
    name: qualifiedName,
    query: sqlQuery.describe('The new SELECT that defines the view.'),
    unique_index: z.object({ columns: indexColumns }).strict().optional().describe('A unique index, which REFRESH … CONCURRENTLY needs.'),
    indexes: z.array(z.object({ name: identifier.optional(), columns: indexColumns }).strict()).optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const names = indexesOf(spec).map((i) => i.final);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) {
      ctx.addIssue({ code: 'custom', path: ['indexes'], message: `two indexes of ${spec.name} would both be named ${twice}`, params: { hint: 'give one of them a `name:`' } });
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
    return { unique: w.unique, columns: w.columns, final, building: sibling(final, 'new'), retired: sibling(final, 'old') };
  });
}

/** Every name involved, schema-qualified like the view (indexes live in their table's schema). */
function namesOf(name: string) {
  const { schema, name: base } = splitQualified(name);
  const inSchema = (n: string) => (schema === undefined ? n : `${schema}.${n}`);
  return { view: name, base, building: inSchema(sibling(base, 'new')), retired: inSchema(sibling(base, 'old')), inSchema };
}

type Names = ReturnType<typeof namesOf>;

function renameIndex(d: Dialect, names: Names, from: string, to: string, ifExists: boolean): string {
  return `ALTER INDEX ${ifExists ? 'IF EXISTS ' : ''}${d.qualified(names.inSchema(from))} RENAME TO ${d.ident(to)}`;
}

function renameView(d: Dialect, from: string, to: string): string {
  return `ALTER MATERIALIZED VIEW ${d.qualified(from)} RENAME TO ${d.ident(splitQualified(to).name)}`;
}

/** Park the old view (and any index holding a final name) as __old, then give the new one the names. */
function swapSql(d: Dialect, names: Names, indexes: ViewIndex[]): string {
  return [
    ...indexes.map((i) => renameIndex(d, names, i.final, i.retired, true)),
    renameView(d, names.view, names.retired),
    renameView(d, names.building, names.view),
    ...indexes.map((i) => renameIndex(d, names, i.building, i.final, false)),
  ].join(';\n');
}

/** The swap run backwards, only when the old view is still parked (before contract dropped it). */
function swapBackSql(d: Dialect, names: Names, indexes: ViewIndex[]): string {
  const renames = [
    ...indexes.map((i) => renameIndex(d, names, i.final, i.building, true)),
    renameView(d, names.view, names.building),
    renameView(d, names.retired, names.view),
    ...indexes.map((i) => renameIndex(d, names, i.retired, i.final, true)),
  ];
  const body = [`BEGIN`, `  IF to_regclass(${d.literal(d.qualified(names.retired))}) IS NOT NULL THEN`, ...renames.map((r) => `    ${r};`), '  END IF;', 'END'];
  return `DO ${dollarQuote(`\n${body.join('\n')}\n`)}`;
}

function sqlStep(ctx: OperationContext, id: string, fields: Omit<SqlStep, 'id' | 'phase' | 'kind' | 'transactional'>): SqlStep {
  return { id, phase: ctx.phase, kind: 'sql', transactional: true, ...fields };
}

function indexStep(spec: ReplaceMaterializedViewSpec, ctx: OperationContext, names: Names, index: ViewIndex): SqlStep {
  const d = ctx.dialect;
  // A plain (non-concurrent) build is fine: nobody reads the new view yet.
  return sqlStep(ctx, `${ctx.id}/index-${index.final}`, {
    summary: `create ${index.unique ? 'unique ' : ''}index ${index.final} on the new ${spec.name}`,
    sql: `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${d.ident(index.building)} ON ${d.qualified(names.building)} (${index.columns.map((c) => d.ident(c)).join(', ')})`,
    lock: { level: 'SHARE', on: [names.building] },
    probe: validIndexExists(d, index.building, names.building),
    effect: { does: 'create', object: { kind: 'index', table: names.building, name: index.building, columns: index.columns, unique: index.unique, method: 'btree' } },
  });
}

export const replaceMaterializedView = defineOperation<ReplaceMaterializedViewSpec>({
  kind: 'replace_materialized_view',
  description:
    'Change a materialized view without blocking its readers: build `<name>__new` beside it, index it, swap the names in one short transaction, drop the old view in contract. ' +
    'Index names are `<name>_<columns>_idx` (`_key` for the unique one) unless named; an index already holding such a name is parked with the old view. ' +
    'Views that depend on the old materialized view keep pointing at it (PostgreSQL binds them by OID): recreate them, or the contract drop fails.',
  schema: replaceMaterializedViewSchema,
  allowedPhases: ['expand', 'migrate'],
  target: (spec) => spec.name,
  forward(spec, ctx) {
    const names = namesOf(spec.name);
    const indexes = indexesOf(spec);
    return [
      sqlStep(ctx, `${ctx.id}/build`, {
        summary: `build the new ${spec.name} beside it as ${names.building}`,
        sql: createMaterializedViewSql(ctx.dialect, names.building, spec.query, true),
        lock: readLock(spec.query),
        probe: relationExists(ctx.dialect, names.building),
        effect: { does: 'create', object: { kind: 'materialized view', name: names.building, query: spec.query } },
      }),
      ...indexes.map((index) => indexStep(spec, ctx, names, index)),
      sqlStep(ctx, `${ctx.id}/swap`, {
        summary: `swap ${names.building} in as ${spec.name} (old one kept as ${names.retired})`,
        sql: swapSql(ctx.dialect, names, indexes),
        lock: { level: 'ACCESS EXCLUSIVE', on: [names.view, names.building] },
        probe: relationsSwapped(ctx.dialect, names.building, names.retired),
        // The old view, parked under its __old name, is this plan's from here on.
        effect: { does: 'create', object: { kind: 'materialized view', name: names.retired } },
      }),
      { ...dropMaterializedViewStep(names.retired, { ...ctx, phase: 'contract' }, `${ctx.id}/drop-old`), effect: { does: 'remove', object: { kind: 'materialized view', name: names.retired } } },
    ];
  },
  inverse(spec, ctx) {
    const names = namesOf(spec.name);
    const swapBack = sqlStep(ctx, `${ctx.id}/undo-swap`, {
      summary: `swap the old ${spec.name} back in, if it is still kept as ${names.retired}`,
      sql: swapBackSql(ctx.dialect, names, indexesOf(spec)),
      lock: { level: 'ACCESS EXCLUSIVE', on: [names.view, names.retired] },
      probe: relationAbsent(ctx.dialect, names.retired),
      undoes: `${ctx.id}/swap`,
    });
    return { steps: [swapBack, { ...dropMaterializedViewStep(names.building, ctx, `${ctx.id}/undo`), undoes: `${ctx.id}/build` }] };
  },
});
