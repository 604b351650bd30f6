/**
 * `source:` of create_materialized_view: a view over another database, read through a foreign
 * server (postgres_fdw, or dblink's dblink_fdw). The connection (host, port, database, user,
 * password) is read from an environment variable when the plan runs: the plan, `plan` output and
 * the state hold only the variable's name, and the password lives only in PostgreSQL's user mapping.
 *
 * Steps, each with a catalog probe (a killed run resumes): the wrapper extension and the server are
 * created only when absent (an existing one is used as it is and left by rollback; a server whose
 * wrapper or connection differs is refused); the current user's mapping; with postgres_fdw, a schema
 * of the plan's own holding the imported foreign tables; then the view. Rollback drops, in this order
 * and never with CASCADE: the view, the foreign tables, their schema, the mapping, the server and the
 * extension — each only when this plan created it.
 */
import { z } from 'zod';
import type { ForeignAction, ForeignVia, RuntimeForeignAction } from '../dialects/actions-foreign.js';
import { identifier, sqlType } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import type { OperationContext, SqlStep, StepEffect } from './types.js';

/** What a shell or a Kubernetes Secret can name: letters, digits and _, not starting with a digit. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const foreignSourceSchema = z
  .object({
    server: identifier.describe('The foreign server: created by the plan when absent; an existing one is used as is.'),
    via: z
      .enum(['postgres_fdw', 'dblink'])
      .default('postgres_fdw')
      .describe('postgres_fdw (foreign tables, the default) or dblink (a remote query and a column list).'),
    url_env: z
      .string()
      .regex(ENV_NAME, 'url_env is the NAME of an environment variable (e.g. STATS_DATABASE_URL), not a URL')
      .describe('The environment variable holding postgres://user:password@host:port/dbname, read at run time.'),
    tables: z
      .array(identifier)
      .min(1)
      .optional()
      .describe('postgres_fdw: the remote tables to import as foreign tables; the query reads them by these names.'),
    remote_schema: identifier.default('public').describe('postgres_fdw: the remote schema of `tables`.'),
    schema: identifier
      .optional()
      .describe(
        'postgres_fdw: the local schema (created by the plan) for the foreign tables; default <server>_remote.',
      ),
    columns: z
      .record(identifier, sqlType)
      .optional()
      .describe('dblink: the columns the remote query returns, in order: name → type.'),
  })
  .strict()
  .superRefine((s, ctx) => {
    const wrong = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (s.via === 'postgres_fdw') {
      if (!s.tables) wrong('tables', 'via postgres_fdw needs `tables`: the remote tables the query reads');
      if (s.columns)
        wrong('columns', '`columns` is for via: dblink; postgres_fdw imports the tables with their columns');
    } else {
      if (!s.columns || Object.keys(s.columns).length === 0)
        wrong('columns', 'via dblink needs `columns`: the name and type of each column the remote query returns');
      if (s.tables || s.schema)
        wrong(s.tables ? 'tables' : 'schema', '`tables` and `schema` are for via: postgres_fdw; dblink runs the query');
    }
  })
  .describe('Read the view from another database through a foreign server; credentials from the environment.');

export type ForeignSourceSpec = z.output<typeof foreignSourceSchema>;

const EXTENSIONS: Record<ForeignVia, ForeignVia> = { postgres_fdw: 'postgres_fdw', dblink: 'dblink' };
const WRAPPERS: Record<ForeignVia, string> = { postgres_fdw: 'postgres_fdw', dblink: 'dblink_fdw' };

export function foreignSchemaOf(source: ForeignSourceSpec): string {
  return source.schema ?? `${source.server}_remote`;
}

interface Part {
  suffix: string;
  summary: string;
  action: ForeignAction;
  effect?: StepEffect;
}

function parts(source: ForeignSourceSpec): Part[] {
  const { server, via, url_env: env } = source;
  const connection = { env };
  const shared = (object: StepEffect['object']): StepEffect => ({ does: 'create', object, adoptExisting: true });
  const base: Part[] = [
    {
      suffix: 'extension',
      summary: `install extension ${EXTENSIONS[via]} (left as it is when already installed)`,
      action: { kind: 'create-extension', extension: EXTENSIONS[via] },
      effect: shared({ kind: 'extension', name: EXTENSIONS[via] }),
    },
    {
      suffix: 'server',
      summary: `create foreign server ${server} (${WRAPPERS[via]}, host, port and database from $${env})`,
      action: { kind: 'create-foreign-server', server, via, connection },
      effect: shared({ kind: 'foreign server', name: server, wrapper: WRAPPERS[via] }),
    },
    {
      suffix: 'user-mapping',
      summary: `create user mapping for the current user on ${server} (user and password from $${env})`,
      action: { kind: 'create-user-mapping', server, connection },
      effect: shared({ kind: 'user mapping', name: server }),
    },
  ];
  if (via === 'dblink') return base;
  const schema = foreignSchemaOf(source);
  const tables = source.tables ?? [];
  return [
    ...base,
    {
      suffix: 'schema',
      summary: `create schema ${schema} for the foreign tables of ${server}`,
      action: { kind: 'create-foreign-schema', schema },
      effect: { does: 'create', object: { kind: 'schema', name: schema } },
    },
    {
      suffix: 'import',
      summary: `import foreign tables ${tables.join(', ')} from ${server} into ${schema}`,
      action: { kind: 'import-foreign-tables', server, remoteSchema: source.remote_schema, tables, into: schema },
      // The tables fill the plan's own schema: found there on a first attempt, they are someone else's.
      effect: { does: 'change', object: { kind: 'schema', name: schema } },
    },
  ];
}

function isRuntime(action: ForeignAction): action is Exclude<RuntimeForeignAction, { kind: 'drop-user-mapping' }> {
  return action.kind === 'create-foreign-server' || action.kind === 'create-user-mapping';
}

/** The steps before the view is created: extension, server, mapping (and schema + foreign tables). */
export function foreignSourceSteps(source: ForeignSourceSpec, ctx: OperationContext): SqlStep[] {
  return parts(source).map((p) => {
    const step = actionStep(ctx, {
      id: `${ctx.id}/${p.suffix}`,
      summary: p.summary,
      action: p.action,
      ...(p.effect ? { effect: p.effect } : {}),
    });
    if (isRuntime(p.action)) step.runtime = p.action;
    return step;
  });
}

const UNDO: Record<string, (source: ForeignSourceSpec) => { summary: string; action: ForeignAction }> = {
  extension: (s) => ({
    summary: `drop extension ${EXTENSIONS[s.via]}`,
    action: { kind: 'drop-extension', extension: EXTENSIONS[s.via] },
  }),
  server: (s) => ({
    summary: `drop foreign server ${s.server}`,
    action: { kind: 'drop-foreign-server', server: s.server },
  }),
  'user-mapping': (s) => ({
    summary: `drop the mapping on ${s.server} of the role that created it`,
    action: { kind: 'drop-user-mapping', server: s.server },
  }),
  schema: (s) => ({
    summary: `drop schema ${foreignSchemaOf(s)}`,
    action: { kind: 'drop-foreign-schema', schema: foreignSchemaOf(s) },
  }),
  import: (s) => ({
    summary: `drop foreign tables ${(s.tables ?? []).join(', ')} of ${foreignSchemaOf(s)}`,
    action: { kind: 'drop-foreign-tables', schema: foreignSchemaOf(s), tables: s.tables ?? [] },
  }),
};

/** Undo steps in reverse order of creation; each runs only when its forward step created its object. */
export function foreignSourceUndo(source: ForeignSourceSpec, ctx: OperationContext): SqlStep[] {
  return parts(source)
    .reverse()
    .map((p) => {
      const undo = UNDO[p.suffix]!(source);
      const forward = `${ctx.id}/${p.suffix}`;
      const step = { ...actionStep(ctx, { id: `${forward}/undo`, ...undo }), undoes: forward };
      // Which role's mapping to drop is known only from the forward step's record (rendered at run time).
      if (undo.action.kind === 'drop-user-mapping') step.runtime = undo.action;
      return step;
    });
}
