/**
 * Plan fields shared by the operations that build an index (create_index, and the constraint
 * indexes of add_unique and add_primary_key): per-column key options, storage parameters, a
 * tablespace, and the deferrable fields of constraints. Every name is an identifier (quoted by the
 * dialect) and every value a number, a boolean or a word: nothing a plan writes here can change the
 * shape of a statement.
 */
import { z } from 'zod';
import type { IndexKeyOptions, StorageParameters } from '../dialects/actions-table.js';
import { identifier, qualifiedName } from '../plan/primitives.js';

/** PostgreSQL's index storage parameters (reloptions), by access method. */
export const INDEX_STORAGE_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  btree: ['fillfactor', 'deduplicate_items'],
  hash: ['fillfactor'],
  gist: ['fillfactor', 'buffering'],
  spgist: ['fillfactor'],
  gin: ['fastupdate', 'gin_pending_list_limit'],
  brin: ['pages_per_range', 'autosummarize'],
};

const WORD = /^[A-Za-z0-9_.-]+$/;
const parameterValue = z.union([z.number().finite(), z.boolean(), z.string().regex(WORD, 'a word such as on or auto')]);

/** `fillfactor=70, deduplicate_items=off` as a map; undefined when it does not read as one. */
function parseParameterList(text: string): Record<string, string | number> | undefined {
  const out: Record<string, string | number> = {};
  for (const part of text.split(',')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([A-Za-z0-9_.-]+)\s*$/.exec(part);
    if (!m) return undefined;
    const value = m[2]!;
    out[m[1]!] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return out;
}

export const storageParameters = z
  .union([
    z.record(identifier, parameterValue),
    z.string().transform((text, ctx) => {
      const parsed = parseParameterList(text);
      if (parsed) return parsed;
      ctx.addIssue({
        code: 'custom',
        message: `\`${text}\` is not a list of storage parameters`,
        params: { hint: 'write name=value pairs separated by commas (fillfactor=70), or a map: { fillfactor: 70 }' },
      });
      return z.NEVER;
    }),
  ])
  .describe('Index storage parameters (WITH (...)), e.g. { fillfactor: 70 } or "fillfactor=70".');

export const indexParameters = z
  .object({
    storage_parameters: storageParameters.optional(),
    include: z.array(identifier).min(1).optional().describe('Covering columns (INCLUDE) of the index.'),
    tablespace: identifier.optional().describe('The tablespace the index is built in.'),
  })
  .strict()
  .describe('Options of the index built concurrently for the constraint.');

export type IndexParameters = z.output<typeof indexParameters>;

export const collationName = z
  .union([
    z.string().min(1).max(63).describe('A collation name as the catalog has it: C, en_US.utf8, und-x-icu.'),
    z
      .object({
        schema: identifier.describe("The collation's schema."),
        name: z.string().min(1).max(63).describe('The collation name in that schema.'),
      })
      .strict(),
  ])
  .describe('A collation: its name (found on the search path), or { schema, name }.');

export const indexColumn = z.union([
  identifier,
  z
    .object({
      column: identifier.describe('The indexed column.'),
      sort: z.enum(['asc', 'desc']).optional().describe('Key order (default asc).'),
      nulls: z.enum(['first', 'last']).optional().describe('Where NULLs sort (default: last for asc, first for desc).'),
      opclass: qualifiedName.optional().describe('Operator class, e.g. text_pattern_ops or public.my_ops.'),
      collate: collationName.optional(),
    })
    .strict(),
]);

export type IndexColumn = z.output<typeof indexColumn>;

export const columnName = (c: IndexColumn): string => (typeof c === 'string' ? c : c.column);

/** The options of one key, or undefined when it has none. */
export function keyOptionsOf(c: IndexColumn): IndexKeyOptions | undefined {
  if (typeof c === 'string') return undefined;
  const out: IndexKeyOptions = {};
  if (c.sort) out.sort = c.sort;
  if (c.nulls) out.nulls = c.nulls;
  if (c.opclass) out.opclass = c.opclass;
  if (c.collate !== undefined) out.collation = typeof c.collate === 'string' ? { name: c.collate } : c.collate;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Storage parameter names the method knows; an issue at `path` for each it does not. */
export function checkStorageParameters(
  params: StorageParameters | undefined,
  method: string,
  ctx: z.RefinementCtx,
  path: (string | number)[],
): void {
  const known = INDEX_STORAGE_PARAMETERS[method] ?? [];
  for (const name of Object.keys(params ?? {})) {
    if (known.includes(name)) continue;
    ctx.addIssue({
      code: 'custom',
      path: [...path, name],
      message: `\`${name}\` is not a storage parameter of ${method} indexes`,
      params: { hint: `use one of: ${known.join(', ')}` },
    });
  }
}

export const deferrableFields = {
  deferrable: z
    .boolean()
    .optional()
    .describe('DEFERRABLE: a transaction may defer the check to its commit (SET CONSTRAINTS).'),
  initially_deferred: z
    .boolean()
    .optional()
    .describe('INITIALLY DEFERRED: checked at commit unless a transaction says otherwise (needs deferrable).'),
};

/** initially_deferred needs deferrable (PostgreSQL refuses INITIALLY DEFERRED on a NOT DEFERRABLE constraint). */
export function checkDeferrable(
  spec: { deferrable?: boolean | undefined; initially_deferred?: boolean | undefined },
  ctx: z.RefinementCtx,
) {
  if (!spec.initially_deferred || spec.deferrable) return;
  ctx.addIssue({
    code: 'custom',
    path: ['initially_deferred'],
    message:
      'initially_deferred needs deferrable: PostgreSQL refuses INITIALLY DEFERRED on a NOT DEFERRABLE constraint',
    params: { hint: 'add deferrable: true, or remove initially_deferred' },
  });
}

/** The action's and the definition's `deferrable`, or undefined for NOT DEFERRABLE. */
export function deferrableOf(spec: {
  deferrable?: boolean | undefined;
  initially_deferred?: boolean | undefined;
}): { initiallyDeferred: boolean } | undefined {
  return spec.deferrable ? { initiallyDeferred: spec.initially_deferred === true } : undefined;
}
