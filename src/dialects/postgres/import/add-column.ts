/**
 * `ADD COLUMN`: nullable → add_column; NOT NULL with a constant default → add_column with both (PostgreSQL 11+ stores
 * the default without rewriting the table); a volatile default → nullable column, default for new rows, batched
 * backfill for existing ones, then set_not_null; NOT NULL without a default → nullable + set_not_null.
 */
import type { ImportedStep } from '../../import.js';
import type { AstNode } from '../sql/ast.js';
import { quoteIdent } from '../names.js';
import { unknownCalls, volatilityOf } from '../sql/volatility.js';
import { constraintStep } from './constraints.js';
import { defined, expressionOf, NotMapped, plainName, step, typeOf, type StatementContext } from './context.js';

const SERIAL = /^(small|big)?serial[248]?$/i;

interface ColumnParts {
  name: string;
  type: string;
  notNull: boolean;
  defaultSql?: string;
  others: AstNode[];
}

export function columnParts(ctx: StatementContext, def: AstNode): ColumnParts {
  const name = plainName(def.colname);
  if (def.collClause) throw new NotMapped('a COLLATE clause on a new column is kept as written');
  if (def.compression) throw new NotMapped('COMPRESSION on a new column is kept as written');
  const type = typeOf(ctx, def.typeName);
  if (SERIAL.test(type)) throw new NotMapped(`a ${type} column needs its own sequence`);
  const parts: ColumnParts = { name, type, notNull: false, others: [] };
  for (const wrapped of (def.constraints as AstNode[] | undefined) ?? []) {
    const c = wrapped.Constraint as AstNode;
    if (c.contype === 'CONSTR_NOTNULL') parts.notNull = true;
    else if (c.contype === 'CONSTR_NULL') parts.notNull = false;
    else if (c.contype === 'CONSTR_DEFAULT') parts.defaultSql = expressionOf(ctx, c.raw_expr);
    else if (c.contype === 'CONSTR_IDENTITY' || c.contype === 'CONSTR_GENERATED')
      throw new NotMapped('an identity or generated column rewrites the table: kept as written');
    else if (c.contype === 'CONSTR_ATTR_DEFERRABLE' || c.contype === 'CONSTR_ATTR_DEFERRED') {
      const last = parts.others[parts.others.length - 1];
      if (!last) throw new NotMapped('DEFERRABLE without a constraint before it');
      last.deferrable = true;
      if (c.contype === 'CONSTR_ATTR_DEFERRED') last.initdeferred = true;
    } else if (c.contype === 'CONSTR_ATTR_NOT_DEFERRABLE' || c.contype === 'CONSTR_ATTR_IMMEDIATE') continue;
    else parts.others.push({ ...c });
  }
  return parts;
}

function isVolatile(expression: string): boolean {
  return volatilityOf(expression).volatile || unknownCalls(expression).length > 0;
}

function volatileRecipe(table: string, c: ColumnParts, defaultSql: string): ImportedStep[] {
  const steps = [
    step(
      'expand',
      'add_column',
      { table, column: { name: c.name, type: c.type } },
      'added nullable and without a default: no table rewrite',
    ),
    step(
      'expand',
      'set_default',
      { table, column: c.name, default: defaultSql },
      'the default for new rows only: existing rows are not rewritten',
    ),
    step(
      'migrate',
      'backfill',
      { table, set: { [c.name]: defaultSql }, where: `${quoteIdent(c.name)} IS NULL` },
      `the volatile default ${defaultSql.replace(/\s+/g, ' ')} filled into existing rows in batches`,
    ),
  ];
  if (c.notNull)
    steps.push(
      step(
        'migrate',
        'set_not_null',
        { table, column: c.name },
        'NOT NULL through a validated CHECK (no long scan under lock)',
      ),
    );
  return steps;
}

export function addColumnSteps(ctx: StatementContext, table: string, def: AstNode): ImportedStep[] {
  const c = columnParts(ctx, def);
  ctx.memory.columnTypes.set(`${table}.${c.name}`, c.type);
  const extra = c.others.map((other) => constraintStep(ctx, table, other, c.name));
  if (c.defaultSql !== undefined && isVolatile(c.defaultSql))
    return [...volatileRecipe(table, c, c.defaultSql), ...extra];
  if (c.notNull && c.defaultSql === undefined) {
    return [
      step(
        'expand',
        'add_column',
        { table, column: { name: c.name, type: c.type } },
        'added nullable: NOT NULL without a default fails on a table with rows',
      ),
      step(
        'migrate',
        'set_not_null',
        { table, column: c.name },
        'NOT NULL once every row has a value: fill existing rows first (a backfill step) if the table is not empty',
      ),
      ...extra,
    ];
  }
  const column = defined({
    name: c.name,
    type: c.type,
    nullable: c.notNull ? false : undefined,
    default: c.defaultSql,
  });
  const decision = c.notNull
    ? 'NOT NULL with a constant default: stored in the catalog, no table rewrite (PostgreSQL 11+)'
    : c.defaultSql !== undefined
      ? 'nullable with a constant default: no table rewrite'
      : 'nullable: no table rewrite, a lock of a few milliseconds';
  return [step('expand', 'add_column', { table, column }, decision), ...extra];
}
