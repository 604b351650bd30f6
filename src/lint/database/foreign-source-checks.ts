/**
 * validate --database for create_materialized_view with `source:`: the tables the query reads on the
 * other database are not looked up here (the extension, server and foreign tables are created by the
 * plan when missing); local tables it joins must exist; and the URL variable must be set and well
 * formed where the plan will run — said as a warning, since CI that validates may hold no secrets.
 */
import type { CreateMaterializedViewSpec } from '../../operations/create-materialized-view.js';
import { connectionFromEnv } from '../../operations/foreign-source-url.js';
import type { CheckContext } from './context.js';
import { at, emit, needTablesRead } from './requirements.js';

type Source = NonNullable<CreateMaterializedViewSpec['source']>;

function localTablesRead(ctx: CheckContext, spec: CreateMaterializedViewSpec, source: Source): string[] {
  if (source.via === 'dblink') return [];
  const foreign = new Set(source.tables ?? []);
  return ctx.simulate.tablesReadByQuery(spec.query).filter((t) => !foreign.has(t));
}

function checkUrlVariable(ctx: CheckContext, source: Source, env: NodeJS.ProcessEnv): void {
  try {
    connectionFromEnv(source.url_env, env);
  } catch (e) {
    emit(
      ctx,
      'db-source-url-missing',
      at('source', 'url_env'),
      `${(e as Error).message}: \`run\` stops before any step until it is`,
      (e as { hint?: string }).hint ?? `set ${source.url_env} where the plan runs`,
    );
  }
}

export function checkForeignSource(
  ctx: CheckContext,
  spec: CreateMaterializedViewSpec,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const source = spec.source;
  if (!source) return;
  needTablesRead(ctx, at('query'), localTablesRead(ctx, spec, source));
  checkUrlVariable(ctx, source, env);
}
