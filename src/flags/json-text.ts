/**
 * Edit a JSON text so that it parses to a new value while every part that did not change keeps its
 * exact bytes (indentation, key order, number spelling, line endings, keys we do not know). A small
 * parser records where each value sits; only values that differ are rewritten, and entries added
 * to an object or at the end of an array are spliced in with their neighbours' separator. The
 * result is checked by parsing it back; if that ever disagrees, the whole value is written out.
 * (The `yaml` package can do the same through its Document ranges, but takes ~0.5 s per 400 KB.)
 */
import { isDeepStrictEqual } from 'node:util';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Entry {
  key: string;
  keyStart: number;
  keyEnd: number;
  value: JsonNode;
}

type JsonNode = { start: number; end: number } & (
  { kind: 'object'; entries: Entry[] } | { kind: 'array'; items: JsonNode[] } | { kind: 'scalar'; value: Json }
);

interface Edit {
  from: number;
  to: number;
  text: string;
}

interface Style {
  text: string;
  unit: string;
  newline: string;
}

const SCALAR = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
const SPACE = /[ \t\r\n]*/y;

function parseNode(text: string, at: { pos: number }): JsonNode {
  const skip = () => ((SPACE.lastIndex = at.pos), SPACE.exec(text), (at.pos = SPACE.lastIndex));
  const expect = (ch: string) => {
    skip();
    if (text[at.pos] !== ch) throw new Error(`expected ${ch} at ${at.pos}`);
    at.pos++;
  };
  skip();
  const start = at.pos;
  const open = text[start];
  if (open === '{' || open === '[') {
    at.pos++;
    const entries: Entry[] = [];
    const items: JsonNode[] = [];
    skip();
    if (text[at.pos] === (open === '{' ? '}' : ']')) at.pos++;
    else {
      for (;;) {
        if (open === '{') {
          const key = parseNode(text, at);
          if (key.kind !== 'scalar' || typeof key.value !== 'string') throw new Error(`expected a key at ${key.start}`);
          expect(':');
          entries.push({ key: key.value, keyStart: key.start, keyEnd: key.end, value: parseNode(text, at) });
        } else items.push(parseNode(text, at));
        skip();
        const next = text[at.pos++];
        if (next === (open === '{' ? '}' : ']')) break;
        if (next !== ',') throw new Error(`expected , at ${at.pos - 1}`);
      }
    }
    return open === '{'
      ? { kind: 'object', start, end: at.pos, entries }
      : { kind: 'array', start, end: at.pos, items };
  }
  SCALAR.lastIndex = start;
  const match = SCALAR.exec(text);
  if (!match) throw new Error(`unexpected character at ${start}`);
  at.pos = SCALAR.lastIndex;
  return { kind: 'scalar', start, end: at.pos, value: JSON.parse(match[0]) as Json };
}

const isObject = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

function styleOf(text: string): Style {
  const indented = /\n([ \t]+)\S/.exec(text);
  return { text, unit: indented?.[1] ?? '  ', newline: text.includes('\r\n') ? '\r\n' : '\n' };
}

/** The whole value as JSON: pretty (in the text's indentation and line ends) or compact. */
function serialize(value: unknown, style: Style, lineIndent: string, multiline: boolean): string {
  if (!multiline) return JSON.stringify(value);
  return JSON.stringify(value, null, style.unit)
    .split('\n')
    .join(style.newline + lineIndent);
}

function lineIndentAt(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start, offset))![0];
}

function replace(node: JsonNode, value: Json, style: Style, edits: Edit[]): void {
  // An empty `[]` or `{}` in a multi-line file grows into the file's pretty layout.
  const empty =
    (node.kind === 'object' && node.entries.length === 0) || (node.kind === 'array' && node.items.length === 0);
  const multiline = style.text.slice(node.start, node.end).includes('\n') || (empty && style.text.includes('\n'));
  edits.push({
    from: node.start,
    to: node.end,
    text: serialize(value, style, lineIndentAt(style.text, node.start), multiline),
  });
}

/**
 * Append entries (`prefix` + value) after the last of `spans` (start, end of each item), with the separator the items
 * use.
 */
function append(
  open: number,
  spans: [number, number][],
  entries: [prefix: string, value: Json][],
  style: Style,
  edits: Edit[],
): void {
  const last = spans.length - 1;
  const [lastStart, lastEnd] = spans[last]!;
  const gap = last > 0 ? style.text.slice(spans[last - 1]![1], lastStart) : `,${style.text.slice(open + 1, lastStart)}`;
  const indent = lineIndentAt(style.text, lastStart);
  const text = entries
    .map(([prefix, value]) => gap + prefix + serialize(value, style, indent, gap.includes('\n')))
    .join('');
  edits.push({ from: lastEnd, to: lastEnd, text });
}

function diffObject(
  node: Extract<JsonNode, { kind: 'object' }>,
  value: Record<string, Json>,
  style: Style,
  edits: Edit[],
): void {
  const keys = node.entries.map((e) => e.key);
  if (node.entries.length === 0 && Object.keys(value).length === 0) return;
  if (node.entries.length === 0 || keys.some((k) => !Object.hasOwn(value, k)) || new Set(keys).size !== keys.length)
    return replace(node, value, style, edits);
  for (const e of node.entries) diff(e.value, value[e.key]!, style, edits);
  const added = Object.keys(value).filter((k) => !keys.includes(k));
  if (added.length === 0) return;
  const first = node.entries[0]!;
  const colon = style.text.slice(first.keyEnd, first.value.start);
  const spans = node.entries.map((e): [number, number] => [e.keyStart, e.value.end]);
  append(
    node.start,
    spans,
    added.map((k): [string, Json] => [`${JSON.stringify(k)}${colon}`, value[k]!]),
    style,
    edits,
  );
}

function diffArray(node: Extract<JsonNode, { kind: 'array' }>, value: Json[], style: Style, edits: Edit[]): void {
  if (node.items.length === 0 && value.length === 0) return;
  if (value.length < node.items.length || node.items.length === 0) return replace(node, value, style, edits);
  node.items.forEach((item, i) => diff(item, value[i]!, style, edits));
  const added = value.slice(node.items.length);
  const spans = node.items.map((n): [number, number] => [n.start, n.end]);
  if (added.length > 0)
    append(
      node.start,
      spans,
      added.map((v): [string, Json] => ['', v]),
      style,
      edits,
    );
}

function diff(node: JsonNode, value: Json, style: Style, edits: Edit[]): void {
  if (node.kind === 'object' && isObject(value)) return diffObject(node, value, style, edits);
  if (node.kind === 'array' && Array.isArray(value)) return diffArray(node, value, style, edits);
  if (node.kind === 'scalar' && node.value === value) return;
  replace(node, value, style, edits);
}

function parsesTo(text: string, value: unknown): boolean {
  try {
    return isDeepStrictEqual(JSON.parse(text), value);
  } catch {
    return false;
  }
}

/** `text` (valid JSON) edited to parse to `value`, with untouched parts kept byte for byte. */
export function patchJsonText(text: string, value: unknown): string {
  const style = styleOf(text);
  try {
    const edits: Edit[] = [];
    diff(parseNode(text, { pos: 0 }), value as Json, style, edits);
    const patched = edits
      .sort((a, b) => b.from - a.from)
      .reduce((t, e) => t.slice(0, e.from) + e.text + t.slice(e.to), text);
    if (parsesTo(patched, value)) return patched;
  } catch {
    // Not the JSON we expected: write the whole value below.
  }
  return `${serialize(value, style, '', true)}${style.newline}`;
}
