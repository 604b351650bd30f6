/**
 * Compare what a change_type / rename_column entry declares it carries with what the catalog
 * says is attached to the old column. Pure: shared by `validate --database`, the runner's check
 * before the entry's first step, and `schemashift new … --database` (which writes the declarations).
 */
import YAML from 'yaml';
import { activeSqlParser } from '../plan/primitives.js';
import { granteeLabel, type CarriedForeignKey, type CarriedIndex, type CarrySpec } from '../operations/carry.js';
import type { LiveColumnAttachments, LiveGrant, LiveIndexAttachment } from './column-attachments.js';

export interface CarryProblems {
  /** Attached to the old column, not declared: contract would drop it. */
  lost: string[];
  /** Declared differently from the catalog (or declared and absent). */
  differs: string[];
  /** Cannot be carried: contract would fail on it or it has no declaration; the recipe says what to do. */
  blockers: string[];
  /** Declared but not attached: the plan adds it (its SQL shows it); nothing is lost, so only a warning. */
  extra: string[];
}

export type CarryDeclarations = Omit<CarrySpec, 'table' | 'drop_with_old_column'>;

/** `(qty > 0)` and `qty>0` compare equal; a cast or a constant that differs does not. */
const canonical = (expression: string): string => activeSqlParser().comparableExpression(expression);
const sameExpression = (a: string | null | undefined, b: string | null | undefined): boolean =>
  (a ?? null) === (b ?? null) || (a != null && b != null && canonical(a) === canonical(b));

function declaredIndexOf(ix: LiveIndexAttachment): CarriedIndex {
  const out: CarriedIndex = {
    name: ix.name,
    keys: ix.keys,
    unique: ix.unique,
    method: ix.method as CarriedIndex['method'],
  };
  if (ix.where !== null) out.where = ix.where;
  if (ix.include.length > 0) out.include = ix.include;
  if (ix.constraint === 'p') out.constraint = 'primary_key';
  if (ix.constraint === 'u') out.constraint = 'unique';
  return out;
}

/**
 * A real role spelled like the pseudo-role cannot be declared (the schema refuses `role: PUBLIC`, which reads as
 * everyone).
 */
const declarable = (g: LiveGrant): boolean => g.public === true || g.role.toLowerCase() !== 'public';

const carriable = (ix: LiveIndexAttachment) => ix.plain && ix.constraint !== 'x';

/** The declarations that carry everything the catalog shows (what `new --database` writes). */
export function declarationsFromLive(live: LiveColumnAttachments): CarryDeclarations {
  const out: CarryDeclarations = {};
  if (live.notNull) out.not_null = true;
  if (live.default !== null) out.default = live.default;
  if (live.comment !== null) out.comment = live.comment;
  if (live.collation !== null) out.collation = live.collation;
  const grants = live.grants
    .filter(declarable)
    .map((g) => ({ ...(g.public ? { public: true as const } : { role: g.role }), privileges: g.privileges as never }));
  if (grants.length > 0) out.grants = grants;
  if (live.ownedSequence !== null) out.sequence = live.ownedSequence;
  const indexes = live.indexes.filter(carriable).map(declaredIndexOf);
  if (indexes.length > 0) out.indexes = indexes;
  const checks = live.checks.filter((c) => !c.noInherit).map((c) => ({ name: c.name, expression: c.expression }));
  if (checks.length > 0) out.checks = checks;
  const fks = live.foreignKeys
    .filter((f) => f.plain)
    .map((f): CarriedForeignKey => ({
      name: f.name,
      columns: f.columns,
      references: f.references,
      on_delete: f.onDelete as never,
      on_update: f.onUpdate as never,
    }));
  if (fks.length > 0) out.foreign_keys = fks;
  return out;
}

/** The declarations without the schema's defaults (unique: false, method: btree, no_action), for people to read. */
export function withoutDefaults(declarations: CarryDeclarations): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(declarations, (key, value: unknown) => {
      if (
        (key === 'unique' && value === false) ||
        (key === 'method' && value === 'btree') ||
        ((key === 'on_delete' || key === 'on_update') && value === 'no_action')
      )
        return undefined;
      return value;
    }),
  ) as Record<string, unknown>;
}

/** A YAML node of `value` where lists of plain values are written inline: keys: [client_id, qty]. */
export function compactNode(doc: YAML.Document, value: unknown): YAML.Node {
  const node = doc.createNode(value);
  YAML.visit(node, {
    Seq(_, seq) {
      if (seq.items.every((item) => YAML.isScalar(item))) seq.flow = true;
    },
  });
  return node;
}

/** Declarations as YAML to paste under the entry. */
export function declarationsYaml(declarations: CarryDeclarations): string {
  const doc = new YAML.Document();
  doc.contents = compactNode(doc, withoutDefaults(declarations));
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false }).trimEnd();
}

function blockersOf(live: LiveColumnAttachments, kind: string, dropped: Set<string>): string[] {
  const col = `${live.table}.${live.column}`;
  const out: string[] = [];
  if (live.identity)
    out.push(
      `${col} is an identity column: its identity is not carried (convert it to a serial or plain default first, or ` +
        `change it in place)`,
    );
  for (const fk of live.inboundForeignKeys)
    out.push(
      `foreign key ${fk.name} on ${fk.table} references ${col}: contract's DROP COLUMN would fail ("other objects ` +
        `depend on it"). Drop it before this plan and add it again on ` +
        `the ${kind === 'change_type' ? 'changed' : 'renamed'} column after contract (add_foreign_key)`,
    );
  for (const view of live.views)
    out.push(
      `${view.kind} ${view.name} reads ${col}: contract's DROP COLUMN would fail. Drop it (or redefine it ` +
        `without ${live.column}) before this plan and create it again after contract`,
    );
  for (const other of live.others)
    out.push(
      `${other} depends on ${col}: contract's DROP COLUMN would fail or drop it. Remove it before this plan and ` +
        `recreate it after contract`,
    );
  for (const ix of live.indexes.filter((i) => !carriable(i) && !dropped.has(i.name)))
    out.push(
      `index ${ix.name} has ${
        ix.constraint === 'x'
          ? 'an exclusion constraint'
          : 'a sort order, operator class, collation or NULLS NOT DISTINCT'
      } that is not carried: list it in drop_with_old_column and rebuild it by hand after contract`,
    );
  for (const ix of live.indexes.filter((i) => i.replident))
    out.push(
      `index ${ix.name} is the table's REPLICA IDENTITY: logical replication would lose it at contract. Set REPLICA ` +
        `IDENTITY to another index (or DEFAULT) before this plan and back after contract`,
    );
  for (const c of live.checks.filter((x) => x.noInherit && !dropped.has(x.name)))
    out.push(
      `check ${c.name} is NO INHERIT, which is not carried: list it in drop_with_old_column and add it again after ` +
        `contract`,
    );
  for (const g of live.grants.filter((x) => !declarable(x)))
    out.push(
      `${granteeLabel(g)} (a real role, not PUBLIC) has ${g.privileges.join(', ')} on ${col}, which cannot be ` +
        `declared (role: PUBLIC would mean every role): REVOKE it before this plan and GRANT it on the new column ` +
        `after contract`,
    );
  for (const fk of live.foreignKeys.filter((f) => !f.plain && !dropped.has(f.name)))
    out.push(
      `foreign key ${fk.name} is DEFERRABLE, MATCH FULL or sets only some columns on delete, which is not carried: ` +
        `list it in drop_with_old_column and add it again after contract`,
    );
  return out;
}

const indexDiffers = (a: CarriedIndex, b: CarriedIndex): boolean =>
  a.keys.length !== b.keys.length ||
  a.keys.some((k, i) => !sameExpression(k, b.keys[i])) ||
  a.unique !== b.unique ||
  a.method !== b.method ||
  !sameExpression(a.where, b.where) ||
  (a.include ?? []).join(',') !== (b.include ?? []).join(',') ||
  a.constraint !== b.constraint;

const fkDiffers = (a: CarriedForeignKey, b: CarriedForeignKey): boolean =>
  JSON.stringify([a.columns, a.references, a.on_delete, a.on_update]) !==
  JSON.stringify([b.columns, b.references, b.on_delete, b.on_update]);

/** Named attachments: each live one declared (or deliberately dropped), each declared one live and equal. */
function compareNamed<T extends { name: string }>(
  what: string,
  live: T[],
  declared: T[] | undefined,
  dropped: Set<string>,
  differs: (a: T, b: T) => boolean,
  out: CarryProblems,
): void {
  for (const item of live) {
    if (dropped.has(item.name)) continue;
    const mine = declared?.find((d) => d.name === item.name);
    if (!mine) out.lost.push(`${what} ${item.name}`);
    else if (differs(mine, item)) out.differs.push(`${what} ${item.name} is declared differently from the catalog`);
  }
  for (const mine of declared ?? []) {
    if (live.some((l) => l.name === mine.name)) continue;
    if (dropped.has(mine.name))
      out.differs.push(`${what} ${mine.name} is declared and also listed in drop_with_old_column`);
    else out.extra.push(`${what} ${mine.name} is declared but not attached to the column: the plan adds it`);
  }
}

function compareColumn(kind: string, spec: CarrySpec, want: CarryDeclarations, out: CarryProblems): void {
  if (want.not_null === true && spec.not_null === undefined) out.lost.push('NOT NULL');
  if (want.default !== undefined && spec.default === undefined) out.lost.push(`DEFAULT ${want.default}`);
  // change_type may give the new type its own default; a rename keeps the old one.
  else if (kind === 'rename_column' && typeof spec.default === 'string' && !sameExpression(spec.default, want.default))
    out.differs.push(`default ${spec.default} is not the column's default (${want.default ?? 'none'})`);
  if (want.comment !== undefined && spec.comment === undefined) out.lost.push('the comment');
  else if (typeof spec.comment === 'string' && spec.comment !== want.comment)
    (want.comment === undefined ? out.extra : out.differs).push("comment is not the column's comment");
  if (want.collation !== undefined && spec.collation === undefined) out.lost.push(`COLLATE ${want.collation}`);
  else if (typeof spec.collation === 'string' && spec.collation !== want.collation)
    (want.collation === undefined ? out.extra : out.differs).push(
      `collation ${spec.collation} is not the column's collation (${want.collation ?? 'the default'})`,
    );
  compareGrants(spec, want, out);
  if ((spec.sequence ?? null) !== (want.sequence ?? null))
    (spec.sequence === undefined ? out.lost : out.differs).push(`owned sequence ${want.sequence ?? '(none)'}`);
}

type Grants = CarrySpec['grants'];

/** Grantees compared by kind then name: the pseudo-role PUBLIC never equals a role named "PUBLIC". */
const granteeKey = (g: { role?: string | undefined; public?: boolean | undefined }): string =>
  g.public === true ? 'public' : `role:${g.role ?? ''}`;

/** `PUBLIC: SELECT; role "other": SELECT` for the privileges in `a` that `b` lacks. */
function grantsMissing(a: Grants, b: Grants): string {
  const has = (key: string, p: string) =>
    (b ?? []).some((g) => granteeKey(g) === key && g.privileges.includes(p as never));
  return (a ?? [])
    .map((g) => ({ label: granteeLabel(g), missing: g.privileges.filter((p) => !has(granteeKey(g), p)) }))
    .filter((g) => g.missing.length > 0)
    .map((g) => `${g.label}: ${g.missing.join(', ')}`)
    .join('; ');
}

/** Each role's privileges on the column: missing ones are lost, declared ones the column lacks are added. */
function compareGrants(spec: CarrySpec, want: CarryDeclarations, out: CarryProblems): void {
  const missing = grantsMissing(want.grants, spec.grants);
  const added = grantsMissing(spec.grants, want.grants);
  if (missing) out.lost.push(`column privileges (${missing})`);
  if (added) out.extra.push(`column privileges the column does not have are granted (${added})`);
}

export function compareCarry(kind: string, spec: CarrySpec, live: LiveColumnAttachments): CarryProblems {
  const dropped = new Set(spec.drop_with_old_column ?? []);
  const out: CarryProblems = { lost: [], differs: [], blockers: blockersOf(live, kind, dropped), extra: [] };
  const want = declarationsFromLive(live);
  compareColumn(kind, spec, want, out);
  compareNamed('index', want.indexes ?? [], spec.indexes, dropped, indexDiffers, out);
  compareNamed(
    'check',
    want.checks ?? [],
    spec.checks,
    dropped,
    (a, b) => !sameExpression(a.expression, b.expression),
    out,
  );
  compareNamed('foreign key', want.foreign_keys ?? [], spec.foreign_keys, dropped, fkDiffers, out);
  if ((want.indexes ?? []).some((ix) => ix.constraint === 'primary_key') && spec.not_null !== true)
    out.differs.push('a primary key is carried: the new column must be not_null: true');
  return out;
}

export const hasCarryProblems = (p: CarryProblems): boolean => p.lost.length + p.differs.length + p.blockers.length > 0;

/** The templates that write the declarations (constraints added through a copy have none). */
const newHint = (kind: string): string =>
  kind === 'change_type' || kind === 'rename_column'
    ? ` (or run schemashift new ${kind.replace('_', '-')} --database URL)`
    : '';

/** One message: what is wrong, then the declarations to paste. */
export function describeCarryProblems(
  entryKind: string,
  column: string,
  p: CarryProblems,
  live: LiveColumnAttachments,
): { message: string; help: string } {
  const parts: string[] = [];
  if (p.lost.length) parts.push(`would lose ${p.lost.join(', ')}`);
  if (p.differs.length) parts.push(p.differs.join('; '));
  if (p.blockers.length) parts.push(p.blockers.join('; '));
  if (p.extra.length) parts.push(p.extra.join('; '));
  const message = `${entryKind} of ${live.table}.${column}: ${parts.join('; ')}`;
  const yaml = declarationsYaml(declarationsFromLive(live));
  const help =
    yaml === '{}'
      ? 'nothing needs to be declared; resolve what is listed above, then validate --database again'
      : `declare what the column carries under the ${entryKind} entry${newHint(entryKind)}:\n${yaml
          .split('\n')
          .map((l) => `    ${l}`)
          .join('\n')}`;
  return { message, help };
}
