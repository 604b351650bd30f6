import { quoteIdent } from '../names.js';
import { spliceAtBytes, walk } from './ast.js';
import { parseSql } from './parser.js';

const PREFIX = 'SELECT ';

/** A plan expression that reads one column as it is (the parser's own quoting). */
export function columnRef(name: string): string {
  return quoteIdent(name);
}

type Fields = { String?: { sval?: string } }[] | undefined;

/**
 * Rewrite every bare reference to column `from` in a (validated) SQL expression into `to`. Uses
 * the parser's locations, which are BYTE offsets, so the text is spliced as bytes: string
 * literals, function names and other columns are never touched, whatever characters come before.
 * A qualified reference (t.qty) is left alone: carried definitions from the catalog never have
 * one. The result is parsed again and must be the same tree with exactly those references renamed.
 */
export function renameColumnRefs(expression: string, from: string, to: string): string {
  const parsed = parseSql(PREFIX + expression);
  if (!parsed.ok) throw new Error(`internal: expression was validated but does not parse: ${parsed.error.message}`);
  const source = Buffer.from(expression);
  const edits: { at: number; length: number; insert: string }[] = [];
  walk(parsed.result, (type, value) => {
    if (type !== 'ColumnRef' || !isBareRef(value.fields as Fields, from)) return;
    const at = (value.location as number) - Buffer.byteLength(PREFIX);
    edits.push({ at, length: identifierBytes(source.subarray(at)), insert: quoteIdent(to) });
  });
  const renamed = spliceAtBytes(expression, edits);
  if (treeOf(renamed, undefined) !== treeOf(expression, { from, to }))
    throw new Error(`internal: renaming ${from} to ${to} in \`${expression}\` changed more than its references`);
  return renamed;
}

const isBareRef = (fields: Fields, name: string): boolean => fields?.length === 1 && fields[0]?.String?.sval === name;

/**
 * The byte length of the identifier at the start of `text`: a quoted one up to its closing quote ("" escapes one), else
 * up to the first byte that cannot continue a name.
 */
function identifierBytes(text: Buffer): number {
  const quote = 0x22;
  if (text[0] === quote) {
    for (let i = 1; i < text.length; i++) {
      if (text[i] !== quote) continue;
      if (text[i + 1] === quote) i++;
      else return i + 1;
    }
    return text.length;
  }
  let i = 0;
  // ASCII letters, digits, _ and $, and every byte of a multi-byte character (all >= 0x80).
  while (
    i < text.length &&
    (/[A-Za-z0-9_$]/.test(String.fromCharCode(text[i] as number)) || (text[i] as number) >= 0x80)
  )
    i++;
  return i;
}

/** The parse tree without positions, with `rename` applied to bare references: what the renamed text must parse to. */
function treeOf(expression: string, rename: { from: string; to: string } | undefined): string {
  const parsed = parseSql(PREFIX + expression);
  if (!parsed.ok) return `unparsable: ${parsed.error.message}`;
  return JSON.stringify(parsed.result, (key, value: unknown) => {
    if (key === 'location') return undefined;
    const fields = (value as { fields?: Fields } | null)?.fields;
    if (key !== 'ColumnRef' || !rename || !isBareRef(fields, rename.from)) return value;
    return { ...(value as object), fields: [{ ...fields?.[0], String: { ...fields?.[0]?.String, sval: rename.to } }] };
  });
}
