import { z } from 'zod';
import { identifier, qualifiedName } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { defineOperation, type DbObject } from './types.js';

/** A comment's text: stored as written (quoted as a literal, never spliced as SQL). */
export const commentText = z
  .string()
  .min(1, 'an empty comment is no comment: write null to remove it')
  .refine((s) => !s.includes('\0'), 'a comment cannot hold a NUL character');

export const setCommentSchema = z
  .object({
    table: qualifiedName,
    column: identifier.optional().describe("The column whose comment to set (absent: the table's)."),
    comment: commentText.nullable().describe('The new comment, as text; null removes it.'),
    previous: commentText
      .nullable()
      .optional()
      .describe(
        'The comment before this plan (null: none). Checked in the step before the change (a different live ' +
          'comment refuses the step); rollback puts it back. Absent: nothing is checked and rollback is refused.',
      ),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.previous !== spec.comment) return;
    ctx.addIssue({
      code: 'custom',
      path: ['previous'],
      message: '`previous` is `comment` itself: the step would change nothing',
      params: { hint: 'write the comment there is now as `previous`, or remove the step' },
    });
  });

export type SetCommentSpec = z.output<typeof setCommentSchema>;

const subject = (spec: SetCommentSpec): string =>
  spec.column === undefined ? `table ${spec.table}` : `column ${spec.table}.${spec.column}`;

const objectOf = (spec: SetCommentSpec): DbObject =>
  spec.column === undefined
    ? { kind: 'table property', table: spec.table, name: 'comment' }
    : { kind: 'column', table: spec.table, name: spec.column };

function commentAction(
  spec: SetCommentSpec,
  comment: string | null,
  replaces?: { value: string | null; targetOk: boolean },
) {
  return {
    kind: 'set-comment' as const,
    table: spec.table,
    ...(spec.column === undefined ? {} : { column: spec.column }),
    comment,
    ...(replaces === undefined ? {} : { replaces }),
  };
}

export const setComment = defineOperation<SetCommentSpec>({
  kind: 'set_comment',
  description:
    'Set or remove the comment on a table or column (COMMENT ON): SHARE UPDATE EXCLUSIVE, reads and writes go on; ' +
    'with `previous`, refused when the live comment is another, and undone by putting it back.',
  schema: setCommentSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => (spec.column === undefined ? spec.table : `${spec.table}.${spec.column}`),
  forward: (spec, ctx) => [
    actionStep(ctx, {
      id: ctx.id,
      summary: `${spec.comment === null ? 'remove the comment on' : 'comment on'} ${subject(spec)}`,
      action: commentAction(
        spec,
        spec.comment,
        spec.previous === undefined ? undefined : { value: spec.previous, targetOk: false },
      ),
      effect: { does: 'change', object: objectOf(spec) },
    }),
  ],
  inverse(spec, ctx) {
    if (spec.previous === undefined) {
      return {
        irreversible:
          `the plan does not say what comment ${subject(spec)} had before, so a rollback cannot put it back: add ` +
          '`previous: <the comment before>` (or `previous: null` when it had none) to the step',
      };
    }
    const summary = `${spec.previous === null ? 'remove the comment on' : 'put back the comment on'} ${subject(spec)}`;
    const action = commentAction(spec, spec.previous, { value: spec.comment, targetOk: true });
    return { steps: [actionStep(ctx, { id: `${ctx.id}/undo`, summary, action, undoes: ctx.id })] };
  },
});
