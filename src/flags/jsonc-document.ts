/**
 * JSON with comments and trailing commas (as appsettings.json allows), read and edited through
 * jsonc-parser: parse errors name the line and column, and an edit rewrites only the values that
 * change, so comments, key order and layout around them keep their exact bytes.
 */
import { isDeepStrictEqual } from 'node:util';
import { getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { UsageError } from '../errors.js';

export interface JsoncDocument {
  text: string;
  root: Node;
  value: unknown;
}

/** The node's value with ordinary objects (jsonc-parser makes them without a prototype). */
function plainValue(root: Node): unknown {
  return JSON.parse(JSON.stringify(getNodeValue(root))) as unknown;
}

/** `line 3, column 7` of a character offset (both counted from 1). */
export function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

const PARSE_HINT: Partial<Record<string, string>> = {
  InvalidSymbol: 'unexpected character',
  ValueExpected: 'a value is missing',
  ColonExpected: 'a `:` is missing',
  CommaExpected: 'a `,` is missing',
  CloseBraceExpected: 'a `}` is missing',
  CloseBracketExpected: 'a `]` is missing',
  PropertyNameExpected: 'a key (in double quotes) is missing',
  EndOfFileExpected: 'text after the end of the document',
};

/** Parse `text`; a syntax error is a UsageError naming `file` and the line and column. */
export function parseJsonc(file: string, text: string, format: string): JsoncDocument {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first || !root) {
    const code = first ? printParseErrorCode(first.error) : 'ValueExpected';
    throw new UsageError(
      `the flags file ${file} is not valid JSON at ${lineColumn(text, first?.offset ?? 0)}: ` +
        `${PARSE_HINT[code] ?? code} (${code})`,
      `fix the file there (comments and trailing commas are allowed; it is ${format})`,
    );
  }
  return { text, root, value: plainValue(root) };
}

/**
 * Refuse an object that names the same key twice (`ignoreCase`: as .NET configuration compares keys):
 * which one the app uses and which one an edit should change would be a guess.
 */
export function checkNoDuplicateKeys(file: string, doc: JsoncDocument, ignoreCase: boolean): void {
  const visit = (node: Node): void => {
    if (node.type === 'object') {
      const seen = new Set<string>();
      for (const property of node.children ?? []) {
        const keyNode = property.children?.[0];
        const key = String(keyNode?.value);
        const folded = ignoreCase ? key.toLowerCase() : key;
        if (seen.has(folded))
          throw new UsageError(
            `the flags file ${file} has the key "${key}" twice in one object (${lineColumn(doc.text, keyNode!.offset)})` +
              (ignoreCase ? ', keys compared without case as .NET configuration does' : ''),
            'keep one of them: schemashift refuses the file because its meaning is ambiguous (which one the app ' +
              'uses, and so which one to change, would be a guess)',
          );
        seen.add(folded);
      }
    }
    for (const child of node.children ?? []) visit(child);
  };
  visit(doc.root);
}

/** The key of `object` (a parsed JSON object) equal to `name` ignoring case, as .NET binds configuration. */
export function keyOf(object: Record<string, unknown>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(object).find((k) => k.toLowerCase() === lower);
}

/** `edited` (the result of editJsonc, jsonc-edit.ts) checked to read back as `expected`, else an error and nothing to write. */
export function checkedEdit(file: string, edited: string, expected: unknown): string {
  const errors: ParseError[] = [];
  const root = parseTree(edited, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length === 0 && root && isDeepStrictEqual(plainValue(root), expected)) return edited;
  throw new Error(
    `the edit of the flags file ${file} would not read back as intended, so it was not written ` +
      '(a schemashift bug: please report it with the file)',
  );
}
