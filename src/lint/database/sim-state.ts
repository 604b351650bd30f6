/**
 * The schema as a plan sees it step by step: the live schema, then changed by every step that has
 * run before. Names resolve like PostgreSQL resolves them: a qualified name directly, an
 * unqualified one through the search path.
 */
import { splitQualified } from '../../dialects/dialect.js';
import type { BuiltInSchemas } from '../../dialects/introspect.js';
import {
  relationKey,
  type LiveColumn,
  type LiveConstraint,
  type LiveIndex,
  type LiveRelation,
  type LiveSchema,
  type RelationKind,
  type ServerInfo,
} from '../../introspect/live-schema.js';

/** A column as a step sees it: a live column, or one a step made (type null when not known). */
export interface SimColumn extends Omit<LiveColumn, 'name' | 'type' | 'baseType'> {
  /** As shown to people; null when not known (created from a query, or a type not resolved). */
  type: string | null;
  /** Comparable base type as the server spells it; null when not known. */
  baseType: string | null;
}

export type SimConstraint = Omit<LiveConstraint, 'name'>;

/**
 * A live relation keyed for lookups while a plan is simulated: columns and constraints by name,
 * and whether an earlier step of the plan created it.
 */
export interface SimRelation extends Omit<LiveRelation, 'columns' | 'constraints' | 'triggers'> {
  key: string;
  /** null when not known: a system relation, or one the plan creates from a query. */
  columns: Map<string, SimColumn> | null;
  constraints: Map<string, SimConstraint>;
  triggers: Set<string>;
  /** Created by an earlier step of this plan: new and empty, so nothing on it can take long. */
  created: boolean;
}

const TABLE_KINDS: ReadonlySet<RelationKind> = new Set([
  'table',
  'partitioned table',
  'view',
  'materialized view',
  'foreign table',
]);

export function isTableLike(rel: SimRelation): boolean {
  return TABLE_KINDS.has(rel.kind);
}

function fromLive(live: LiveRelation): SimRelation {
  const rel: SimRelation = {
    key: relationKey(live.schema, live.name),
    schema: live.schema,
    name: live.name,
    kind: live.kind,
    rows: live.rows,
    bytes: live.bytes,
    populated: live.populated,
    columns:
      live.columns &&
      new Map(live.columns.map((c) => [c.name, { type: c.type, baseType: c.baseType, notNull: c.notNull }])),
    constraints: new Map(live.constraints.map(({ name, ...c }) => [name, { ...c, columns: [...c.columns] }])),
    triggers: new Set(live.triggers),
    created: false,
  };
  if (live.index) rel.index = { ...live.index, columns: live.index.columns && [...live.index.columns] };
  if (live.dependents) rel.dependents = live.dependents.map((d) => ({ ...d }));
  return rel;
}

/** The runner creates its state tables before the first step, so a plan may read them (e.g. a shadow_clean gate). */
const STATE_TABLES = ['state_version', 'runs', 'steps', 'events', 'feature_flags', 'shadow_mismatches'];

function stateTable(name: string): SimRelation {
  return {
    key: relationKey('schemashift', name),
    schema: 'schemashift',
    name,
    kind: 'table',
    rows: null,
    bytes: null,
    populated: true,
    columns: null,
    constraints: new Map(),
    triggers: new Set(),
    created: false,
  };
}

export class SimState {
  readonly server: ServerInfo;
  readonly searchPath: string[];
  /** Types created by earlier steps (CREATE TYPE / DOMAIN): unknown to the server yet. */
  readonly createdTypes = new Set<string>();
  private readonly relations: Map<string, SimRelation>;

  constructor(
    live: LiveSchema,
    private readonly builtIn: BuiltInSchemas,
  ) {
    this.server = live.server;
    this.searchPath = live.searchPath;
    this.relations = new Map(live.relations.map((r) => [relationKey(r.schema, r.name), fromLive(r)]));
    for (const name of STATE_TABLES) {
      const key = relationKey('schemashift', name);
      if (!this.relations.has(key)) this.relations.set(key, stateTable(name));
    }
  }

  /** The search path without the schema searched implicitly, as people set it. */
  userSearchPath(): string[] {
    return this.searchPath.filter((s) => s !== this.builtIn.implicit);
  }

  /** The relation a name (as written in a plan) refers to now. */
  find(name: string): SimRelation | undefined {
    const { schema, name: bare } = splitQualified(name);
    if (schema !== undefined) return this.relations.get(relationKey(schema, bare));
    for (const s of this.searchPath) {
      const found = this.relations.get(relationKey(s, bare));
      if (found) return found;
    }
    return undefined;
  }

  /** A table, view or materialized view by that name (not an index or sequence). */
  table(name: string): SimRelation | undefined {
    const rel = this.find(name);
    return rel && isTableLike(rel) ? rel : undefined;
  }

  /** The relation `name` in the schema of `table` (where PostgreSQL puts a table's indexes). */
  sibling(table: SimRelation | string, name: string): SimRelation | undefined {
    return this.relations.get(relationKey(this.schemaOf(table), name));
  }

  /** The schema a relation named like this lives in, or would be created in. */
  schemaOf(nameOrRel: SimRelation | string): string {
    if (typeof nameOrRel !== 'string') return nameOrRel.schema;
    const { schema } = splitQualified(nameOrRel);
    if (schema !== undefined) return schema;
    return this.find(nameOrRel)?.schema ?? this.userSearchPath()[0] ?? 'public';
  }

  create(
    schema: string,
    name: string,
    kind: RelationKind,
    columns: Map<string, SimColumn> | null,
    index?: LiveIndex,
  ): SimRelation {
    const rel: SimRelation = {
      key: relationKey(schema, name),
      schema,
      name,
      kind,
      rows: 0,
      bytes: 0,
      populated: true,
      columns,
      constraints: new Map(),
      triggers: new Set(),
      created: true,
    };
    if (index) rel.index = index;
    this.relations.set(rel.key, rel);
    return rel;
  }

  /** Drop a relation; a table takes its indexes with it. */
  drop(rel: SimRelation): void {
    this.relations.delete(rel.key);
    for (const other of [...this.relations.values()]) {
      if (other.index?.table === rel.key) this.relations.delete(other.key);
    }
  }

  rename(rel: SimRelation, newName: string): void {
    const oldKey = rel.key;
    this.relations.delete(oldKey);
    rel.name = newName;
    rel.key = relationKey(rel.schema, newName);
    this.relations.set(rel.key, rel);
    for (const other of this.relations.values()) {
      if (other.index?.table === oldKey) other.index.table = rel.key;
    }
  }

  /** Names of the user's tables and views, as a plan would write them (for "did you mean"). */
  tableNames(): string[] {
    const system = new Set(this.builtIn.system);
    return [...this.relations.values()]
      .filter((r) => isTableLike(r) && !system.has(r.schema))
      .map((r) => (this.find(r.name) === r ? r.name : r.key));
  }

  /** Every relation that has constraints (to find the foreign keys that reference a table). */
  relationsWithConstraints(): SimRelation[] {
    return [...this.relations.values()].filter((r) => r.constraints.size > 0);
  }

  /** Indexes on a table, as relations. */
  indexesOf(table: SimRelation): SimRelation[] {
    return [...this.relations.values()].filter((r) => r.index?.table === table.key);
  }
}
