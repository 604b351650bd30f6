/**
 * Generated PL/pgSQL function bodies that carry text from a plan. Two independent guards keep
 * that text inside its slot:
 * - the dollar-quote tag is chosen so that it does not occur in the body, so nothing in the
 *   body can end the quoting early;
 * - the generated statement is parsed (SQL, then PL/pgSQL) before it is ever sent: it must be
 *   exactly one CREATE FUNCTION whose body is the intended one, holding exactly the intended
 *   PL/pgSQL expressions.
 */
import { parsePlPgSQLSync } from 'libpg-query';
import { walk } from './ast.js';
import { parseSql } from './parser.js';

/** `$tag$body$tag$` with the first tag (`base`, `base_1`, …) that does not occur in `body`. */
export function dollarQuote(body: string, base = 'schemashift'): string {
  let tag = base;
  // Not even a prefix of the closing delimiter may occur: a body ending in `$tag` would close early.
  for (let n = 1; body.includes(`$${tag}`); n++) tag = `${base}_${n}`;
  return `$${tag}$${body}$${tag}$`;
}

/** The body of the PL/pgSQL function being written, with every SQL expression it holds. */
export class PlpgsqlBody {
  private readonly lines: string[] = [];
  readonly expressions: string[] = [];

  /** A PL/pgSQL condition (IF / ELSIF). */
  cond(text: string): string {
    this.expressions.push(text);
    return text;
  }

  /** `target := value;` */
  assign(target: string, value: string): string {
    const statement = `${target} := ${value}`;
    this.expressions.push(statement);
    return `${statement};`;
  }

  line(text: string): this {
    this.lines.push(text);
    return this;
  }

  text(): string {
    return `\n${this.lines.join('\n')}\n`;
  }
}

function bodyOf(sql: string): string | undefined {
  const parsed = parseSql(sql);
  if (!parsed.ok || parsed.result.stmts?.length !== 1) return undefined;
  const fn = (parsed.result.stmts[0]?.stmt as { CreateFunctionStmt?: { options?: unknown[] } } | undefined)
    ?.CreateFunctionStmt;
  const as = (fn?.options ?? [])
    .map((o) => (o as { DefElem?: { defname?: string; arg?: unknown } }).DefElem)
    .find((d) => d?.defname === 'as');
  const items = (as?.arg as { List?: { items?: { String?: { sval?: string } }[] } } | undefined)?.List?.items ?? [];
  return items.length === 1 ? items[0]?.String?.sval : undefined;
}

function plpgsqlExpressions(sql: string): string[] | undefined {
  try {
    const found: string[] = [];
    walk(parsePlPgSQLSync(sql), (type, node) => {
      if (type === 'PLpgSQL_expr') found.push(String(node.query));
    });
    return found;
  } catch {
    return undefined;
  }
}

const sorted = (list: string[]): string[] => [...list].sort();

/**
 * Why `sql` is not exactly the CREATE FUNCTION that was meant (undefined when it is): one
 * statement, its body exactly `body.text()`, and PL/pgSQL reading exactly `body.expressions`.
 */
export function functionProblem(sql: string, body: PlpgsqlBody): string | undefined {
  if (bodyOf(sql) !== body.text()) return 'the generated statement is not one CREATE FUNCTION with the intended body';
  const found = plpgsqlExpressions(sql);
  if (found === undefined) return 'the generated function body does not parse as PL/pgSQL';
  if (JSON.stringify(sorted(found)) !== JSON.stringify(sorted(body.expressions)))
    return 'the generated function body holds other statements than the ones intended';
  return undefined;
}
