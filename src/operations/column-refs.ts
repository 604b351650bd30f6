import { quoteIdent } from '../dialects/postgres/postgres-dialect.js';
import { walk } from '../sql/ast.js';
import { parseSql } from '../sql/parser.js';

/**
 * Rewrite every bare reference to column `from` in a (validated) SQL expression into `to`. Uses
 * the parser's locations, so string literals, function names and other columns are never touched;
 * a qualified reference (t.qty) is left alone: carried definitions from the catalog never have one.
 */
export function renameColumnRefs(expression: string, from: string, to: string): string {
  const prefix = 'SELECT ';
  const parsed = parseSql(prefix + expression);
  if (!parsed.ok) throw new Error(`internal: expression was validated but does not parse: ${parsed.error.message}`);
  const spots: { at: number; length: number }[] = [];
  walk(parsed.result, (type, value) => {
    if (type !== 'ColumnRef') return;
    const fields = value.fields as { String?: { sval?: string } }[] | undefined;
    if (fields?.length !== 1 || fields[0]?.String?.sval !== from) return;
    const at = (value.location as number) - prefix.length;
    const rest = expression.slice(at);
    const length = rest.startsWith('"') ? closingQuote(rest) + 1 : from.length;
    spots.push({ at, length });
  });
  let out = expression;
  for (const spot of spots.sort((a, b) => b.at - a.at)) out = `${out.slice(0, spot.at)}${quoteIdent(to)}${out.slice(spot.at + spot.length)}`;
  return out;
}

/** The index of the quote that closes a quoted identifier starting at 0 ("" is an escaped quote). */
function closingQuote(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] !== '"') continue;
    if (text[i + 1] === '"') i++;
    else return i;
  }
  return text.length - 1;
}
