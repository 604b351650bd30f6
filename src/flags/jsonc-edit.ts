/**
 * Edit a JSON-with-comments text so that the value at a path becomes a new value, rewriting only
 * what differs: a changed scalar is replaced in place; a new entry is added after the last one with
 * the separator, indentation, trailing comma and line comment placement the file already has. No
 * other byte moves (jsonc-parser's own formatter would re-indent whole lines around an insertion).
 */
import { isDeepStrictEqual } from 'node:util';
import { applyEdits, findNodeAtLocation, modify, parseTree, type JSONPath, type Node } from 'jsonc-parser';

/** `added`: a value that was not there (an object key or an array item appended). */
type Change = { path: JSONPath; value: unknown; added?: boolean };

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** The smallest set of changes (replace, add, remove at a path) that turn `before` into `after`. */
function changes(path: JSONPath, before: unknown, after: unknown, out: Change[]): void {
  if (isDeepStrictEqual(before, after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of Object.keys(before))
      if (!Object.hasOwn(after, key)) out.push({ path: [...path, key], value: undefined });
    for (const [key, value] of Object.entries(after))
      if (Object.hasOwn(before, key)) changes([...path, key], before[key], value, out);
      else out.push({ path: [...path, key], value, added: true });
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && after.length >= before.length && before.length > 0) {
    before.forEach((item, i) => changes([...path, i], item, after[i], out));
    for (let i = before.length; i < after.length; i++) out.push({ path: [...path, i], value: after[i], added: true });
    return;
  }
  out.push({ path, value: after });
}

const splice = (text: string, at: number, remove: number, insert: string) =>
  text.slice(0, at) + insert + text.slice(at + remove);

function lineIndentAt(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start, offset))![0];
}

interface Layout {
  unit: string;
  eol: string;
}

function layoutOf(text: string): Layout {
  return { unit: /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ', eol: text.includes('\r\n') ? '\r\n' : '\n' };
}

/** `value` as JSON: pretty in the file's indentation from `lineIndent` on, or on one line. */
function serialize(value: unknown, layout: Layout, lineIndent: string, multiline: boolean): string {
  if (!multiline) return JSON.stringify(value);
  return JSON.stringify(value, null, layout.unit)
    .split('\n')
    .join(layout.eol + lineIndent);
}

const spansLines = (text: string, node: Node) => text.slice(node.offset, node.offset + node.length).includes('\n');

/** The object or array that holds `node` (a value or a property). */
function containerOf(node: Node): Node | undefined {
  return node.parent?.type === 'property' ? node.parent.parent : node.parent;
}

function replaceValue(text: string, node: Node, value: unknown, layout: Layout): string {
  const container = containerOf(node);
  const multiline = container ? spansLines(text, container) : text.includes('\n');
  const isStructure = value !== null && typeof value === 'object';
  const written = isStructure
    ? serialize(value, layout, lineIndentAt(text, node.offset), multiline)
    : JSON.stringify(value);
  return splice(text, node.offset, node.length, written);
}

/** Add `key: value` (or the item `value`, key null) after the container's last entry, in the file's style. */
function appendEntry(text: string, container: Node, key: string | null, value: unknown, layout: Layout): string {
  const last = container.children?.at(-1);
  if (!last && /\S/.test(text.slice(container.offset + 1, container.offset + container.length - 1)))
    return appendAfterComments(text, container, key, value, layout);
  if (!last) {
    const whole = key === null ? [value] : { [key]: value };
    const multiline = text.includes('\n');
    return splice(
      text,
      container.offset,
      container.length,
      serialize(whole, layout, lineIndentAt(text, container.offset), multiline),
    );
  }
  const multiline = spansLines(text, container);
  const indent = lineIndentAt(text, last.offset);
  const colonText =
    last.type === 'property'
      ? text.slice(last.children![0]!.offset + last.children![0]!.length, last.children![1]!.offset)
      : ': ';
  const colon = /^\s*:\s*$/.test(colonText) ? colonText : ': ';
  const entry = (key === null ? '' : JSON.stringify(key) + colon) + serialize(value, layout, indent, multiline);
  let at = last.offset + last.length;
  let out = text;
  // Block comments on the entry's line (`"G": false /* g */,`) stay with it, before or after its comma.
  const [, blockComments = '', trailingComma] = /^((?:[ \t]*\/\*(?:(?!\*\/)[^\r\n])*\*\/)*)([ \t]*,)?/.exec(
    out.slice(at),
  )!;
  if (trailingComma) at += blockComments.length + trailingComma.length;
  else {
    out = splice(out, at++, 0, ',');
    at += blockComments.length;
  }
  // A line comment after the last entry stays with it, on its line.
  const comment = multiline ? /^[ \t]*\/\/[^\r\n]*/.exec(out.slice(at)) : null;
  if (comment) at += comment[0].length;
  const separator = multiline ? layout.eol + indent : ' ';
  return splice(out, at, 0, separator + entry + (trailingComma ? ',' : ''));
}

/** Into an empty object or array holding only comments: the entry goes after them, on its own line. */
function appendAfterComments(
  text: string,
  container: Node,
  key: string | null,
  value: unknown,
  layout: Layout,
): string {
  const open = container.offset + 1;
  const close = container.offset + container.length - 1;
  const contentEnd = open + text.slice(open, close).trimEnd().length;
  const outer = lineIndentAt(text, container.offset);
  const indent = outer + layout.unit;
  const entry = (key === null ? '' : `${JSON.stringify(key)}: `) + serialize(value, layout, indent, true);
  const closing = text.slice(contentEnd, close).includes('\n') ? text.slice(contentEnd, close) : layout.eol + outer;
  return text.slice(0, contentEnd) + layout.eol + indent + entry + closing + text.slice(close);
}

const PARSE = { allowTrailingComma: true, disallowComments: false };

function apply(text: string, change: Change, layout: Layout): string {
  if (change.value === undefined) return applyEdits(text, modify(text, change.path, undefined, {}));
  const root = parseTree(text, [], PARSE)!;
  if (change.added) {
    const container = findNodeAtLocation(root, change.path.slice(0, -1))!;
    const key = change.path.at(-1)!;
    return appendEntry(text, container, typeof key === 'string' ? key : null, change.value, layout);
  }
  return replaceValue(text, findNodeAtLocation(root, change.path)!, change.value, layout);
}

/**
 * `text` edited so that the value at `path` (now `before`; undefined when absent, and then added as
 * the last entry of its object or array) becomes `after`. Array items are addressed by index.
 */
export function editJsonc(text: string, path: JSONPath, before: unknown, after: unknown): string {
  const out: Change[] = [];
  if (before === undefined) out.push({ path, value: after, added: true });
  else changes(path, before, after, out);
  const layout = layoutOf(text);
  return out.reduce((current, change) => apply(current, change, layout), text);
}
