/**
 * The column names PostgreSQL puts in a generated index name (ChooseIndexColumnNames in indexcmds.c): a key's
 * column, or for an expression the name FigureColnameInternal (parse_target.c) figures for it, `expr` when it
 * figures none; INCLUDE columns too; a name met again gets 1, 2, … An expression of a kind not followed here
 * keeps its statement raw rather than guessing a name the server would not give.
 */
import type { AstNode } from '../sql/ast.js';
import { NotMapped } from './context.js';
import { clip, MAX_NAME_BYTES } from './object-name.js';

interface Figured {
  name?: string | undefined;
  /** 2: a name the expression really has; 1: a fallback (a cast's type, `case`); 0: none. */
  strength: number;
}

/** Kinds PostgreSQL figures no name for (the key becomes `expr`). */
const NAMELESS = new Set(['A_Const', 'BoolExpr', 'NullTest', 'BooleanTest', 'ParamRef']);

const lastString = (nodes: unknown): string | undefined => {
  const strings = ((nodes as AstNode[] | undefined) ?? [])
    .map((n) => (n.String as { sval?: string } | undefined)?.sval)
    .filter((s): s is string => typeof s === 'string');
  return strings[strings.length - 1];
};

function figure(node: AstNode | undefined): Figured {
  if (node === undefined) return { strength: 0 };
  const [kind, body] = Object.entries(node)[0] as [string, AstNode];
  switch (kind) {
    case 'ColumnRef': {
      const name = lastString(body.fields);
      return name === undefined ? { strength: 0 } : { name, strength: 2 };
    }
    case 'A_Indirection': {
      const name = lastString(body.indirection);
      return name === undefined ? figure(body.arg as AstNode) : { name, strength: 2 };
    }
    case 'FuncCall':
      return { name: lastString(body.funcname), strength: 2 };
    case 'A_Expr':
      return body.kind === 'AEXPR_NULLIF' ? { name: 'nullif', strength: 2 } : { strength: 0 };
    case 'TypeCast': {
      const inner = figure(body.arg as AstNode);
      if (inner.strength > 1) return inner;
      const type = lastString((body.typeName as AstNode | undefined)?.names);
      return type === undefined ? inner : { name: type, strength: 1 };
    }
    case 'CollateClause':
      return figure(body.arg as AstNode);
    case 'CaseExpr': {
      const otherwise = figure(body.defresult as AstNode | undefined);
      return otherwise.strength > 1 ? otherwise : { name: 'case', strength: 1 };
    }
    case 'A_ArrayExpr':
      return { name: 'array', strength: 2 };
    case 'RowExpr':
      return { name: 'row', strength: 2 };
    case 'CoalesceExpr':
      return { name: 'coalesce', strength: 2 };
    case 'MinMaxExpr':
      return { name: body.op === 'IS_GREATEST' ? 'greatest' : 'least', strength: 2 };
    default:
      if (NAMELESS.has(kind)) return { strength: 0 };
      throw new NotMapped(
        `PostgreSQL names an index on a ${kind} expression in a way the importer does not follow: name the index`,
      );
  }
}

/** One name per key and INCLUDE column, in order, as the generated index name joins them. */
export function indexColumnNames(keys: AstNode[], included: AstNode[]): string[] {
  const chosen: string[] = [];
  for (const element of [...keys, ...included]) {
    const original = typeof element.name === 'string' ? element.name : (figure(element.expr as AstNode).name ?? 'expr');
    let current = original;
    for (let n = 1; chosen.includes(current); n++)
      current = clip(original, MAX_NAME_BYTES - String(n).length) + String(n);
    chosen.push(current);
  }
  return chosen;
}
