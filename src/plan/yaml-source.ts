import {
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Scalar,
  type Document,
  type Node,
} from 'yaml';
import { PlanError, type PlanProblem, type SourcePos } from '../errors.js';
import { aliasProblem, MAX_ALIAS_COUNT } from './plan-text.js';
import type { YamlPath } from './types.js';

/** Nesting deeper than this is reported where it starts when the reader runs out of stack. */
const REPORTED_DEPTH = 1000;

export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

/** The plain problem for a plan nested so deeply that reading it exhausts the stack. */
export function tooDeep(file: string, text: string): PlanProblem {
  let depth = 0;
  let at = 0;
  for (let i = 0; i < text.length && at === 0; i++) {
    const c = text[i];
    if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    if (depth > REPORTED_DEPTH) at = i;
  }
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return {
    at: { file, line, col: at - (before.lastIndexOf('\n') + 1) + 1 },
    message: 'the plan is nested too deeply to read (thousands of levels inside each other)',
    hint: 'a plan is a few levels deep: phases, steps, their settings; remove the extra nesting',
  };
}

/** A parsed YAML file that can turn any path or offset back into file:line:col. */
export class YamlSource {
  readonly doc: Document;
  private readonly lines = new LineCounter();

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: false });
  }

  pos(offset: number): SourcePos {
    const { line, col } = this.lines.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { file: this.file, line, col };
  }

  /** Syntax problems: tabs used for indentation, duplicate keys, malformed YAML. */
  syntaxProblems(): PlanProblem[] {
    const problems: PlanProblem[] = [];
    const tab = /^( *)\t/m.exec(this.text);
    if (tab) {
      problems.push({
        at: this.pos(tab.index + (tab[1]?.length ?? 0)),
        message: 'a tab character is used for indentation; YAML allows only spaces there',
        hint: 'replace the tab with spaces (two per level is the convention in plans/)',
      });
      // Everything the YAML parser says after a tab indent is a consequence of it.
      return problems;
    }
    const overflow = this.doc.errors.find((e) => /call stack/i.test(e.message));
    for (const error of overflow ? [overflow] : this.doc.errors) {
      const offset = error.pos[0];
      problems.push({ at: this.pos(offset), ...describeYamlError(error.code, error.message, this.text, offset) });
    }
    return problems;
  }

  /** The deepest node that exists along `path`, and how much of the path it covers. */
  private deepest(path: YamlPath): { node: Node | undefined; depth: number; keyNode?: Node } {
    let node: unknown = this.doc.contents;
    let depth = 0;
    let keyNode: Node | undefined;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? p.key.value : p.key) === key);
        if (!pair || !isNode(pair.value)) {
          if (pair && isNode(pair.key)) keyNode = pair.key;
          break;
        }
        keyNode = isNode(pair.key) ? pair.key : undefined;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number' && isNode(node.items[key])) {
        node = node.items[key];
        keyNode = undefined;
      } else break;
      depth++;
    }
    const result: { node: Node | undefined; depth: number; keyNode?: Node } = {
      node: isNode(node) ? node : undefined,
      depth,
    };
    if (keyNode) result.keyNode = keyNode;
    return result;
  }

  locate(path: YamlPath): SourcePos {
    const { node, depth, keyNode } = this.deepest(path);
    if (depth < path.length && keyNode?.range) return this.pos(keyNode.range[0]);
    if (depth === path.length && keyNode?.range && node && !isScalar(node)) return this.pos(keyNode.range[0]);
    return this.pos(node?.range?.[0] ?? 0);
  }

  /** The position of a key (e.g. an unknown key) inside the map at `path`. */
  locateKey(path: YamlPath, key: string): SourcePos {
    const { node } = this.deepest(path);
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
      if (pair && isNode(pair.key) && pair.key.range) return this.pos(pair.key.range[0]);
    }
    return this.locate(path);
  }

  locateInScalar(path: YamlPath, offset: number): SourcePos {
    const { node, depth } = this.deepest(path);
    if (depth !== path.length || !isScalar(node) || !node.range) return this.locate(path);
    const start = node.range[0];
    if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) {
      const value = String(node.value);
      const before = value.slice(0, offset);
      const lineInValue = before.split('\n').length - 1;
      const colInLine = offset - (before.lastIndexOf('\n') + 1);
      const header = this.pos(start);
      const firstContentLine = this.text.split('\n')[header.line] ?? '';
      const indent = /^ */.exec(firstContentLine)?.[0].length ?? 0;
      return { file: this.file, line: header.line + 1 + lineInValue, col: indent + colInLine + 1 };
    }
    const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE ? 1 : 0;
    return this.pos(start + quoted + offset);
  }

  /** The document as plain values; aliases that refer to nothing or expand too far are plan problems. */
  toJS(): unknown {
    try {
      return this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      if (isStackOverflow(e) || !(e instanceof Error)) throw e;
      throw new PlanError([aliasProblem(this.doc, e, (offset) => this.pos(offset))]);
    }
  }

  valueAt(path: YamlPath): unknown {
    const { node, depth } = this.deepest(path);
    if (depth !== path.length || !node) return undefined;
    return isNode(node) ? node.toJSON() : node;
  }
}

function describeYamlError(
  code: string,
  message: string,
  text: string,
  offset: number,
): { message: string; hint?: string } {
  const firstLine = message.split('\n')[0] ?? message;
  if (/call stack/i.test(message)) {
    return {
      message: 'the plan is nested too deeply to read (thousands of levels inside each other)',
      hint: 'a plan is a few levels deep: phases, steps, their settings; remove the extra nesting',
    };
  }
  switch (code) {
    case 'DUPLICATE_KEY': {
      const key = /^[A-Za-z0-9_$.-]+/.exec(text.slice(offset))?.[0];
      return {
        message: `duplicate key${key ? ` \`${key}\`` : ''}: the same key appears twice in one mapping`,
        hint: 'remove one of them; YAML would silently keep only the last',
      };
    }
    case 'TAB_AS_INDENT':
      return { message: 'a tab character is used for indentation', hint: 'indent with spaces only' };
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN':
      return {
        message: `YAML syntax: ${firstLine}`,
        hint: 'check indentation and that every `key: value` has a space after the colon',
      };
    default:
      return {
        message: `YAML syntax: ${firstLine}`,
        hint: 'see https://yaml.org/spec/1.2.2/ or compare with plans/*.yaml',
      };
  }
}
