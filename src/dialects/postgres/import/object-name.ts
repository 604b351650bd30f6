/**
 * The names PostgreSQL gives the indexes and constraints a statement leaves unnamed
 * (makeObjectName in src/backend/commands/indexcmds.c): `<name1>_<name2>_<label>`, cut to 63 bytes
 * by shortening the longer of name1 and name2 a byte at a time, never the label, and never inside
 * a character. An imported plan names them so, so that a later statement naming them finds them.
 */

/** PostgreSQL's NAMEDATALEN - 1. */
export const MAX_NAME_BYTES = 63;

/** The first `bytes` bytes of `text` that end on a whole UTF-8 character (pg_mbcliplen). */
export function clip(text: string, bytes: number): string {
  let out = '';
  let used = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (used + size > bytes) break;
    out += char;
    used += size;
  }
  return out;
}

export function generatedName(name1: string, name2: string | undefined, label: string): string {
  let name1Bytes = Buffer.byteLength(name1);
  let name2Bytes = name2 === undefined ? 0 : Buffer.byteLength(name2);
  const overhead = (name2 === undefined ? 0 : 1) + Buffer.byteLength(label) + 1;
  const available = MAX_NAME_BYTES - overhead;
  while (name1Bytes + name2Bytes > available) {
    if (name1Bytes > name2Bytes) name1Bytes--;
    else name2Bytes--;
  }
  const parts = [clip(name1, name1Bytes), ...(name2 === undefined ? [] : [clip(name2, name2Bytes)]), label];
  return parts.join('_');
}

/** Where a generated name must be unused: constraint names, and relation names too for an index or a key. */
export interface NameSpaces {
  constraints?: Set<string> | undefined;
  relations?: Set<string> | undefined;
}

/** `schema.name`, the key the import's memory keeps names under. */
export const keyOf = (schema: string, name: string): string => `${schema}.${name}`;

/** Records a name the import creates (written or generated), so that later generated names are numbered past it. */
export function noteName(spaces: NameSpaces, schema: string, name: string): string {
  spaces.constraints?.add(keyOf(schema, name));
  spaces.relations?.add(keyOf(schema, name));
  return name;
}

/**
 * The first generated name not taken yet, then taken: PostgreSQL tries `label`, then `label1`, `label2`, …
 * (ChooseConstraintName, ChooseRelationName), each cut to 63 bytes.
 */
export function takeGeneratedName(
  spaces: NameSpaces,
  schema: string,
  parts: [name1: string, name2: string | undefined],
  label: string,
): string {
  const taken = (name: string) =>
    (spaces.constraints?.has(keyOf(schema, name)) ?? false) || (spaces.relations?.has(keyOf(schema, name)) ?? false);
  let candidate = generatedName(parts[0], parts[1], label);
  for (let n = 1; taken(candidate); n++) candidate = generatedName(parts[0], parts[1], `${label}${n}`);
  return noteName(spaces, schema, candidate);
}
