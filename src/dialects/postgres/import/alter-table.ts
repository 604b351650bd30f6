/** `ALTER TABLE`: each subcommand as its safe operation; one subcommand without one keeps the whole statement raw. */
import type { ImportedStep } from '../../import.js';
import type { AstNode } from '../sql/ast.js';
import { addColumnSteps } from './add-column.js';
import { constraintStep } from './constraints.js';
import {
  defined,
  expressionOf,
  NotMapped,
  plainName,
  relationName,
  step,
  typeOf,
  type StatementContext,
} from './context.js';

type Command = (ctx: StatementContext, table: string, cmd: AstNode) => ImportedStep[];

const ifExistsNote = (cmd: AstNode) =>
  cmd.missing_ok ? ' (IF EXISTS dropped: the step checks the catalog itself)' : '';

const COMMANDS: Record<string, Command> = {
  AT_AddColumn: (ctx, table, cmd) => {
    const steps = addColumnSteps(ctx, table, (cmd.def as AstNode).ColumnDef as AstNode);
    if (cmd.missing_ok && steps.length > 1)
      throw new NotMapped(
        'ADD COLUMN IF NOT EXISTS needs several steps here, and they would backfill or alter a column that already exists',
      );
    if (cmd.missing_ok && steps[0]) {
      steps[0].step.if_exists = 'adopt';
      steps[0].decision += '; IF NOT EXISTS: if_exists: adopt (an existing column is taken over when it matches)';
    }
    return steps;
  },
  AT_DropColumn: (_ctx, table, cmd) => [
    step(
      'contract',
      'drop_column',
      defined({ table, column: plainName(cmd.name), cascade: cmd.behavior === 'DROP_CASCADE' ? true : undefined }),
      `dropped in contract, once no application version reads it${ifExistsNote(cmd)}`,
    ),
  ],
  AT_AlterColumnType: (ctx, table, cmd) => {
    const def = (cmd.def as AstNode).ColumnDef as AstNode;
    if (def.collClause) throw new NotMapped('a type change with COLLATE is kept as written');
    const type = typeOf(ctx, def.typeName);
    const up = def.raw_default === undefined ? undefined : expressionOf(ctx, def.raw_default);
    ctx.memory.columnTypes.set(`${table}.${String(cmd.name)}`, type);
    return [
      step(
        'expand',
        'change_type',
        defined({ table, column: plainName(cmd.name), type, up }),
        `new column + sync trigger + batched backfill + swap instead of a rewrite under ACCESS EXCLUSIVE${up ? '; USING kept as up' : ''}`,
      ),
    ];
  },
  AT_SetNotNull: (_ctx, table, cmd) => [
    step(
      'migrate',
      'set_not_null',
      { table, column: plainName(cmd.name) },
      'CHECK NOT VALID → VALIDATE → SET NOT NULL: no long scan under lock',
    ),
  ],
  AT_DropNotNull: (_ctx, table, cmd) => [
    step(
      'expand',
      'drop_not_null',
      { table, column: plainName(cmd.name) },
      'relaxes a rule: safe while both versions run',
    ),
  ],
  AT_ColumnDefault: (ctx, table, cmd) =>
    cmd.def === undefined
      ? [
          step(
            'contract',
            'drop_default',
            { table, column: plainName(cmd.name) },
            'in contract: the old version may rely on it for its inserts',
          ),
        ]
      : [
          step(
            'expand',
            'set_default',
            { table, column: plainName(cmd.name), default: expressionOf(ctx, cmd.def) },
            'catalog-only change: new rows get it, existing rows are not touched',
          ),
        ],
  AT_AddConstraint: (ctx, table, cmd) => [constraintStep(ctx, table, (cmd.def as AstNode).Constraint as AstNode)],
  AT_ValidateConstraint: (_ctx, table, cmd) => [
    step(
      'migrate',
      'validate_constraint',
      { table, name: plainName(cmd.name) },
      'checks existing rows under a lock that lets writes go on',
    ),
  ],
  AT_DropConstraint: (_ctx, table, cmd) => [
    step(
      'contract',
      'drop_constraint',
      { table, name: plainName(cmd.name) },
      `dropped in contract${ifExistsNote(cmd)}`,
    ),
  ],
};

/** What a subcommand drops or adds by name: a column or a constraint. */
function nameOf(cmd: AstNode): string | undefined {
  const def = cmd.def as AstNode | undefined;
  if (cmd.subtype === 'AT_DropColumn') return `column ${String(cmd.name)}`;
  if (cmd.subtype === 'AT_AddColumn') return `column ${String((def?.ColumnDef as AstNode | undefined)?.colname)}`;
  if (cmd.subtype === 'AT_DropConstraint') return `constraint ${String(cmd.name)}`;
  if (cmd.subtype === 'AT_AddConstraint') {
    const name = (def?.Constraint as AstNode | undefined)?.conname;
    return typeof name === 'string' ? `constraint ${name}` : undefined;
  }
  return undefined;
}

/** DROP x, ADD x in one ALTER TABLE: the add would move to expand, before the drop in contract. */
function refuseDropThenAdd(cmd: AstNode, dropped: Set<string>): void {
  const name = nameOf(cmd);
  if (name === undefined) return;
  if (String(cmd.subtype).startsWith('AT_Drop')) dropped.add(name);
  else if (dropped.has(name))
    throw new NotMapped(`it drops and adds back ${name}: kept as written so the drop comes first`);
}

export function alterTableSteps(ctx: StatementContext, body: AstNode): ImportedStep[] {
  if (body.objtype !== 'OBJECT_TABLE')
    throw new NotMapped(`ALTER ${String(body.objtype).replace('OBJECT_', '')} has no safe operation`);
  if ((body.relation as AstNode | undefined)?.inh !== true) throw new NotMapped('ALTER TABLE ONLY is kept as written');
  const table = relationName(body.relation);
  const dropped = new Set<string>();
  return ((body.cmds as AstNode[] | undefined) ?? []).flatMap((wrapped, unit) => {
    const cmd = wrapped.AlterTableCmd as AstNode;
    refuseDropThenAdd(cmd, dropped);
    const convert = COMMANDS[String(cmd.subtype)];
    if (!convert) throw new NotMapped(`${String(cmd.subtype).replace('AT_', '')} has no safe operation`);
    return convert(ctx, table, cmd).map((s) => ({ ...s, unit }));
  });
}
