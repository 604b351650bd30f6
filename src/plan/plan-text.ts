/**
 * What a plan file must be before YAML is parsed: UTF-8 text without control characters. And the
 * YAML features that can turn a small file into a huge or broken value (aliases), caught as plan
 * problems with their position instead of exceptions.
 */
import { isAlias, isCollection, isScalar, visit, type Alias, type Document, type Node } from 'yaml';
import type { PlanProblem, SourcePos } from '../errors.js';

/** Aliases may be used to share a setting, not to multiply a document (a "billion laughs"). */
export const MAX_ALIAS_COUNT = 100;

/** The 1-based line and column of a byte offset, counting columns in characters. */
function bytePos(file: string, bytes: Buffer, offset: number): SourcePos {
  const before = bytes.subarray(0, offset);
  const lineStart = before.lastIndexOf(0x0a) + 1;
  const line = before.subarray(0, lineStart).filter((b) => b === 0x0a).length + 1;
  return { file, line, col: before.subarray(lineStart).toString('utf8').length + 1 };
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the bytes there are not one. */
function sequenceLength(bytes: Buffer, i: number): number {
  const b = bytes[i] as number;
  if (b < 0x80) return 1;
  const [length, min] =
    b >= 0xc2 && b <= 0xdf
      ? [2, 0x80]
      : b >= 0xe0 && b <= 0xef
        ? [3, 0x800]
        : b >= 0xf0 && b <= 0xf4
          ? [4, 0x10000]
          : [0, 0];
  if (length === 0 || i + length > bytes.length) return 0;
  let code = b & (0xff >> (length + 1));
  for (let k = 1; k < length; k++) {
    const next = bytes[i + k] as number;
    if ((next & 0xc0) !== 0x80) return 0;
    code = (code << 6) | (next & 0x3f);
  }
  const surrogate = code >= 0xd800 && code <= 0xdfff;
  return code < min || code > 0x10ffff || surrogate ? 0 : length;
}

/** The offset of the first byte that is not valid UTF-8, or -1. */
function firstInvalidUtf8(bytes: Buffer): number {
  for (let i = 0; i < bytes.length;) {
    const length = sequenceLength(bytes, i);
    if (length === 0) return i;
    i += length;
  }
  return -1;
}

/** The text of a plan file, or a problem at the first byte that is not UTF-8. */
export function decodePlanBytes(file: string, bytes: Buffer): { text: string } | { problem: PlanProblem } {
  const bad = firstInvalidUtf8(bytes);
  if (bad < 0) return { text: bytes.toString('utf8') };
  const byte = (bytes[bad] as number).toString(16).toUpperCase().padStart(2, '0');
  return {
    problem: {
      at: bytePos(file, bytes, bad),
      message: `the byte 0x${byte} here is not valid UTF-8: a plan file is UTF-8 text`,
      hint: 'save the file as UTF-8 (the text was probably written in another encoding, e.g. Latin-1)',
    },
  };
}

/** C0 controls other than tab, LF and CR, DEL, and C1 controls other than NEL: not allowed in YAML. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u0080-\u0084\u0086-\u009F]/;

function describeControl(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return code === 0 ? `a NUL character (${hex})` : `the control character ${hex}`;
}

/** A control character written into the file, or produced by an escape in a quoted value ("\0"). */
export function controlCharacterProblems(
  text: string,
  doc: Document,
  pos: (offset: number) => SourcePos,
): PlanProblem[] {
  const hint = 'remove it: plan text holds no control characters (write a newline as a line break, a tab as spaces)';
  const raw = CONTROL.exec(text);
  if (raw) return [{ at: pos(raw.index), message: `${describeControl(raw[0])} in the plan file`, hint }];
  const problems: PlanProblem[] = [];
  visit(doc, {
    Scalar(_, node) {
      const found = typeof node.value === 'string' ? CONTROL.exec(node.value) : null;
      if (found)
        problems.push({
          at: pos(node.range?.[0] ?? 0),
          message: `${describeControl(found[0])} in this value (from an escape such as "\\0")`,
          hint,
        });
    },
  });
  return problems;
}

function aliasesIn(doc: Document): Alias[] {
  const aliases: Alias[] = [];
  visit(doc, { Alias: (_, node) => void aliases.push(node) });
  return aliases;
}

function containsAlias(node: Node | undefined): boolean {
  if (!node || isScalar(node)) return false;
  if (isAlias(node)) return true;
  let found = false;
  if (isCollection(node))
    visit(node, {
      Alias: () => {
        found = true;
        return visit.BREAK;
      },
    });
  return found;
}

/** Why the document's aliases cannot be expanded, where: an unknown anchor, or too many nodes. */
export function aliasProblem(doc: Document, error: Error, pos: (offset: number) => SourcePos): PlanProblem {
  const aliases = aliasesIn(doc);
  const unresolved = aliases.find((a) => a.resolve(doc) === undefined);
  if (unresolved) {
    return {
      at: pos(unresolved.range?.[0] ?? 0),
      message: `the alias \`*${unresolved.source}\` refers to no anchor \`&${unresolved.source}\` defined before it`,
      hint: `define \`&${unresolved.source}\` on a value above this line, or write the value out`,
    };
  }
  const nested = aliases.find((a) => containsAlias(a.resolve(doc))) ?? aliases[0];
  return {
    at: pos(nested?.range?.[0] ?? 0),
    message: /alias count|resource exhaustion/i.test(error.message)
      ? `YAML aliases here expand to more than ${MAX_ALIAS_COUNT} copies of one anchor (a "billion laughs" or alias ` +
        `fan-out): the plan is refused rather than expanded`
      : `YAML aliases cannot be expanded: ${error.message.split('\n')[0]}`,
    hint: 'write the values out, or use an alias only for a small shared setting',
  };
}
