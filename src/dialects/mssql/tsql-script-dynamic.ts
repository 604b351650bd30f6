/**
 * What dynamic SQL removes: `EXEC (…)`, `EXEC sys.sp_executesql …` and `EXEC sp_rename …`, read for the
 * contract confirmation. The text run is read only when it is built from string literals and QUOTENAME(…)
 * (one delimited name, whatever the catalog holds), or when its literal start fixes the statement
 * (`N'ALTER TABLE [t] ALTER COLUMN [c] ' + @type`); anything else is undefined: it cannot be told.
 * https://learn.microsoft.com/en-us/sql/relational-databases/system-stored-procedures/sp-executesql-transact-sql
 */
import { isSymbol, isWord, tokenize, type Token } from './tsql-lexer.js';
import { readAlterTable } from './tsql-script-alter.js';
import { readName, skipParens } from './tsql-script-read.js';
import { readRename, renamedParts } from './tsql-script-shapes.js';

/** Drops read from a script; undefined when it cannot be told. */
export type ReadScript = (text: string) => string[] | undefined;

/** Stands for a name only known at run time (QUOTENAME of a variable) inside a dynamic text. */
const RUN_TIME = '\uE000';
const RUN_TIME_WORDS = '(named at run time)';

/** A dynamic text as far as it can be read: all of it, or only its start. */
interface DynamicText {
  text: string;
  complete: boolean;
  /** When not complete: the string literals joined on after the unknown part (`N' NOT NULL'`). */
  later?: string[];
}

/** Where an expression ends, when it is not in parentheses. */
const EXPRESSION_ENDS = [
  ...['END', 'ELSE', 'SET', 'DECLARE', 'EXEC', 'EXECUTE', 'IF', 'WHILE', 'SELECT', 'BEGIN', 'DROP', 'ALTER'],
  ...['DELETE', 'TRUNCATE', 'INSERT', 'UPDATE', 'PRINT', 'THROW', 'RETURN'],
];

/** The string literals of the expression from `from` on, to its end. */
function laterStrings(tokens: Token[], from: number): string[] {
  const strings: string[] = [];
  let depth = 0;
  for (let i = from; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    if (isSymbol(token, '(')) depth += 1;
    else if (isSymbol(token, ')')) depth -= 1;
    if (depth < 0 || (depth === 0 && (isSymbol(token, ';') || isWord(token, ...EXPRESSION_ENDS)))) break;
    if (token.kind === 'string') strings.push(token.value);
  }
  return strings;
}

/** The QUOTENAME(…) result as a placeholder token: a [name], or a 'string' with `''''`; undefined otherwise. */
function quoted(args: Token[]): string | undefined {
  const comma = args.findIndex((t, i) => isSymbol(t, ',') && !args.slice(0, i).some((p) => isSymbol(p, '(')));
  if (comma < 0) return `[${RUN_TIME}]`;
  const quote = args[comma + 1];
  if (args.length !== comma + 2 || quote?.kind !== 'string') return undefined;
  if ([']', '[', '"'].includes(quote.value)) return `[${RUN_TIME}]`;
  return quote.value === "'" ? `N'${RUN_TIME}'` : undefined;
}

/** `N'…' + QUOTENAME(@x) + N'…'` from token `from`: the text up to the first part that is neither. */
function readTerms(tokens: Token[], from: number): DynamicText & { next: number } {
  let text = '';
  let at = from;
  for (;;) {
    const token = tokens[at];
    if (token?.kind === 'string') {
      text += token.value;
      at += 1;
    } else if (isWord(token, 'QUOTENAME') && isSymbol(tokens[at + 1], '(')) {
      const close = skipParens(tokens, at + 1);
      const placeholder = quoted(tokens.slice(at + 2, close - 1));
      if (!placeholder) return { text, complete: false, later: laterStrings(tokens, at), next: at };
      text += placeholder;
      at = close;
    } else return { text, complete: false, later: laterStrings(tokens, at), next: at };
    if (!isSymbol(tokens[at], '+')) return { text, complete: true, next: at };
    at += 1;
  }
}

const sameVariable = (t: Token | undefined, name: string): boolean =>
  t?.kind === 'variable' && t.value.toLowerCase() === name.toLowerCase();

/** Words before which a list of variables cannot reach back. */
const LIST_ENDS = [
  'DECLARE',
  'INTO',
  'SET',
  'SELECT',
  'BEGIN',
  'END',
  'THEN',
  'ELSE',
  'IF',
  'WHILE',
  'EXEC',
  'EXECUTE',
];

/** The word that opens the list a variable stands in (`DECLARE @a int, @v …`, `FETCH … INTO @a, @v`). */
function listOpener(tokens: Token[], at: number): Token | undefined {
  for (let i = at - 1; i >= 0; i -= 1) {
    const token = tokens[i] as Token;
    if (isSymbol(token, ';') || isWord(token, ...LIST_ENDS)) return token;
  }
  return undefined;
}

/** The value a `DECLARE @v [AS] type = …` gives, when it gives one. */
function declaredValue(tokens: Token[], at: number): DynamicText | 'none' {
  let i = at + 1;
  if (isWord(tokens[i], 'AS')) i += 1;
  while (tokens[i]?.kind === 'word' || tokens[i]?.kind === 'quoted' || isSymbol(tokens[i], '.')) i += 1;
  i = skipParens(tokens, i);
  return isSymbol(tokens[i], '=') ? readTerms(tokens, i + 1) : 'none';
}

/** Every text the variable is given in its batch, in order; undefined when one is given some other way. */
function variableTexts(batch: Token[], name: string): DynamicText[] | undefined {
  const texts: DynamicText[] = [];
  for (let i = 0; i < batch.length; i += 1) {
    if (!sameVariable(batch[i], name)) continue;
    const before = batch[i - 1];
    const after = batch[i + 1];
    if (isWord(before, 'SET') && isSymbol(after, '=')) texts.push(readTerms(batch, i + 2));
    else if (isWord(before, 'SET') && isSymbol(after, '+=')) {
      const last = texts[texts.length - 1];
      if (!last) return undefined;
      const more = readTerms(batch, i + 2);
      const later = [...(last.later ?? []), ...(last.complete ? [] : [more.text]), ...(more.later ?? [])];
      texts[texts.length - 1] = last.complete ? { ...more, text: last.text + more.text } : { ...last, later };
    } else if (after?.kind === 'symbol' && after.value.endsWith('=')) return undefined;
    else if (isWord(after, 'OUTPUT', 'OUT')) return undefined;
    else {
      const opener = listOpener(batch, i);
      if (isWord(opener, 'INTO')) return undefined;
      if (isWord(opener, 'DECLARE')) {
        const value = declaredValue(batch, i);
        if (value !== 'none') texts.push(value);
      }
    }
  }
  return texts.length > 0 ? texts : undefined;
}

/** Literal text joined on after an unknown part adds no statement of its own (no `;`, no DROP…). */
function addsNoStatement(later: string[]): boolean {
  return later.every((text) => {
    try {
      return !tokenize(text).some((t) => isSymbol(t, ';') || isWord(t, ...EXPRESSION_ENDS));
    } catch {
      return false;
    }
  });
}

/**
 * A statement only partly known: an ALTER TABLE that adds or alters (the unknown rest being a type or options,
 * read from the catalog) drops nothing, when the literal text joined on after it adds no statement.
 */
function startDrops(text: string, later: string[]): string[] | undefined {
  if (!/[\s]$/u.test(text) || !addsNoStatement(later)) return undefined;
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch {
    return undefined;
  }
  if (tokens.some((t) => isSymbol(t, ';'))) return undefined;
  const alter = readAlterTable(text, tokens);
  const harmless = ['add_column', 'alter_column', 'add_constraint', 'check_constraint'];
  const known = alter !== undefined && alter.actions.length > 0;
  return known && alter.actions.every((a) => harmless.includes(a.kind)) ? [] : undefined;
}

function textDrops(dynamic: DynamicText, readScript: ReadScript): string[] | undefined {
  const drops = dynamic.complete ? readScript(dynamic.text) : startDrops(dynamic.text, dynamic.later ?? []);
  return drops?.map((d) => d.split(RUN_TIME).join(RUN_TIME_WORDS));
}

function variableDrops(batch: Token[], name: string, readScript: ReadScript): string[] | undefined {
  const texts = variableTexts(batch, name);
  const drops = texts?.map((t) => textDrops(t, readScript));
  return drops?.every((d) => d !== undefined) ? drops.flat() : undefined;
}

/** `EXEC ( … )`: a variable, or literals and QUOTENAME joined by `+`. */
function expressionDrops(inner: Token[], batch: Token[], readScript: ReadScript): string[] | undefined {
  const [only] = inner;
  if (inner.length === 1 && only?.kind === 'variable') return variableDrops(batch, only.value, readScript);
  const terms = readTerms(inner, 0);
  if (terms.complete && terms.next !== inner.length) return undefined;
  return textDrops(terms, readScript);
}

function renameDrops(exec: Token[]): string[] | undefined {
  const rename = readRename(exec);
  if (!rename) return undefined;
  const { table, name } = renamedParts(rename);
  const renamed = ` (renamed to ${rename.newName})`;
  if (rename.type === 'COLUMN') return [`column ${table}.${name}${renamed}`];
  if (rename.type === 'INDEX') return [`index ${name}${renamed}`];
  const kind = rename.type === 'OBJECT' ? 'object' : rename.type.toLowerCase();
  return [`${kind} ${table}${renamed}`];
}

/**
 * What `EXEC …` (tokens `exec`, to the end of the statement) removes: dynamic SQL as far as it can be read,
 * sp_rename's old name; calling any other procedure removes nothing that can be told (as CALL in PostgreSQL).
 */
export function execDrops(exec: Token[], batch: Token[], readScript: ReadScript): string[] | undefined {
  if (isSymbol(exec[1], '(')) {
    const close = skipParens(exec, 1);
    // EXEC (…) AT server runs on a linked server: what it drops there is not this database's.
    if (isWord(exec[close], 'AT')) return undefined;
    return expressionDrops(exec.slice(2, close - 1), batch, readScript);
  }
  let at = 1;
  if (exec[1]?.kind === 'variable') {
    if (!isSymbol(exec[2], '=')) return undefined; // EXEC @procedure_name: which procedure is known at run time
    at = 3;
  }
  const procedure = readName(exec, at);
  const name = procedure?.parts[procedure.parts.length - 1]?.toLowerCase();
  if (!procedure || name === undefined) return undefined;
  if (name === 'sp_rename') return renameDrops([exec[0] as Token, ...exec.slice(at)]);
  if (name !== 'sp_executesql') return [];
  let arg = procedure.next;
  if (exec[arg]?.kind === 'variable' && isSymbol(exec[arg + 1], '=')) arg += 2;
  const statement = exec[arg];
  if (statement?.kind === 'string') return textDrops({ text: statement.value, complete: true }, readScript);
  return statement?.kind === 'variable' ? variableDrops(batch, statement.value, readScript) : undefined;
}
