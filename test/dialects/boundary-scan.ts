/**
 * What the boundary test looks for in one source file: a dialect's SQL markers outside comments
 * (comments found by the TypeScript scanner, never by a regex) and imports of a dialect folder.
 */
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

export interface Marker {
  /** The text (case-sensitive) or pattern that betrays the dialect. */
  pattern: string | RegExp;
  /** Only inside string and template literals (words that could be a TypeScript name elsewhere). */
  stringsOnly?: boolean;
}

export interface Finding {
  line: number;
  what: string;
}

/** A source file with its comments blanked out (line breaks kept) and the ranges of its literals. */
interface StrippedSource {
  code: string;
  literals: [number, number][];
}

const LITERAL_KINDS = new Set([
  ts.SyntaxKind.StringLiteral,
  ts.SyntaxKind.NoSubstitutionTemplateLiteral,
  ts.SyntaxKind.TemplateHead,
  ts.SyntaxKind.TemplateMiddle,
  ts.SyntaxKind.TemplateTail,
]);

function commentRanges(text: string, source: ts.SourceFile): ts.CommentRange[] {
  const seen = new Map<number, ts.CommentRange>();
  const visit = (node: ts.Node): void => {
    const ranges = [
      ...(ts.getLeadingCommentRanges(text, node.pos) ?? []),
      ...(ts.getTrailingCommentRanges(text, node.end) ?? []),
    ];
    for (const r of ranges) seen.set(r.pos, r);
    for (const child of node.getChildren(source)) visit(child);
  };
  visit(source);
  return [...seen.values()];
}

function literalRanges(source: ts.SourceFile): [number, number][] {
  const ranges: [number, number][] = [];
  const visit = (node: ts.Node): void => {
    if (LITERAL_KINDS.has(node.kind)) ranges.push([node.getStart(source), node.end]);
    for (const child of node.getChildren(source)) visit(child);
  };
  visit(source);
  return ranges;
}

export function stripComments(fileName: string, text: string): StrippedSource {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  // Offsets from the compiler are UTF-16 code units: blank by code unit, not by code point.
  const units = text.split('');
  for (const r of commentRanges(text, source)) {
    for (let i = r.pos; i < r.end; i++) if (units[i] !== '\n') units[i] = ' ';
  }
  return { code: units.join(''), literals: literalRanges(source) };
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function occurrences(code: string, pattern: string | RegExp): number[] {
  const found: number[] = [];
  if (typeof pattern === 'string') {
    for (let at = code.indexOf(pattern); at >= 0; at = code.indexOf(pattern, at + 1)) found.push(at);
    return found;
  }
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  for (const m of code.matchAll(global)) found.push(m.index);
  return found;
}

/** Each marker found outside comments, with its 1-based line. */
export function markerFindings(fileName: string, text: string, markers: readonly Marker[], dialect: string): Finding[] {
  const { code, literals } = stripComments(fileName, text);
  const inLiteral = (at: number) => literals.some(([start, end]) => at >= start && at < end);
  const findings: Finding[] = [];
  for (const marker of markers) {
    for (const at of occurrences(code, marker.pattern)) {
      if (marker.stringsOnly && !inLiteral(at)) continue;
      findings.push({ line: lineOf(text, at), what: `${dialect} marker ${String(marker.pattern)}` });
    }
  }
  return findings.sort((a, b) => a.line - b.line);
}

/** Every module specifier this file imports or re-exports, statically or with `import()`. */
function importedSpecifiers(fileName: string, text: string): { specifier: string; line: number }[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: { specifier: string; line: number }[] = [];
  const add = (node: ts.Expression | undefined) => {
    if (node && ts.isStringLiteralLike(node)) {
      found.push({ specifier: node.text, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/**
 * Imports that reach into a dialect folder (`src/dialects/<name>/`) from outside it.
 * `file` and the result's folder names are relative to the repository root, with forward slashes.
 */
export function dialectImports(root: string, file: string, text: string, dialectFolders: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  for (const { specifier, line } of importedSpecifiers(file, text)) {
    if (!specifier.startsWith('.')) continue;
    const target = relative(root, join(root, dirname(file), specifier))
      .split('\\')
      .join('/');
    const folder = dialectFolders.find((d) => target.startsWith(`src/dialects/${d}/`));
    if (folder === undefined || file.startsWith(`src/dialects/${folder}/`)) continue;
    findings.push({ line, what: `imports ${specifier} from the ${folder} dialect folder` });
  }
  return findings;
}
