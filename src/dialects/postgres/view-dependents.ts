/**
 * A materialized view swapped by renames keeps its dependents: PostgreSQL binds views, materialized
 * views and BEGIN ATOMIC functions to the object, not the name. The swap therefore runs as one DO
 * block, in the step's own transaction: it reads every dependent from the catalog (recursively),
 * drops them (no CASCADE: what it did not read makes the drop fail), renames, and recreates them
 * from their catalog definitions against whatever now holds the name, with their indexes, owners,
 * grants and comments; a dependent materialized view is created empty and refreshed as its owner.
 * Forward, the view taking the name first gets the owner, grants and comments of the one giving it
 * up. Nothing is read from the plan but the names of the swap itself.
 */
import { dollarQuote } from './sql/statements.js';
import { quoteLiteral as literal, quoteQualified as qualified } from './names.js';
import { DEPENDENTS_CTE, dependentNodesCte, UNSUPPORTED_SQL } from './view-dependents-closure.js';
import { CURRENT_GRANTEES_SQL, RECREATE_PLAN_SQL } from './view-dependents-recreate.js';
import { swapAttributesSql } from './view-dependents-attributes.js';

const indent = (lines: string[], by: string): string[] => lines.map((l) => (l === '' ? l : `${by}${l}`));

/** The search path for reading and replaying definitions: empty, so every name in them is qualified. */
const QUALIFIED_NAMES = "PERFORM set_config('search_path', '', true);";
const CALLER_NAMES = "PERFORM set_config('search_path', v_caller_path, true);";

function readDependents(view: string): string[] {
  const message = literal(
    `cannot swap ${view}: schemashift recreates only the views, materialized views, functions and procedures ` +
      'that depend on it, and these depend on it too: ',
  );
  const hint = literal(
    'nothing was changed. Make them read another relation (or drop them), run again, then put them back; ' +
      'schemashift never drops with CASCADE',
  );
  return [
    QUALIFIED_NAMES,
    `WITH RECURSIVE ${dependentNodesCte('v_root')},`,
    DEPENDENTS_CTE,
    `SELECT ${UNSUPPORTED_SQL},`,
    `  ${RECREATE_PLAN_SQL}`,
    'INTO v_unsupported, v_dependents;',
    'IF v_unsupported IS NOT NULL THEN',
    `  RAISE EXCEPTION USING ERRCODE = 'dependent_objects_still_exist', MESSAGE = ${message} || v_unsupported,`,
    `    HINT = ${hint};`,
    'END IF;',
    "FOR v_dep IN SELECT value FROM jsonb_array_elements(v_dependents) ORDER BY (value->>'depth')::int DESC LOOP",
    "  EXECUTE v_dep->>'drop';",
    'END LOOP;',
    CALLER_NAMES,
  ];
}

/** A materialized view's indexes and refresh run its owner's code: under the caller's search_path, as anywhere. */
const INDEXES = [
  `    ${CALLER_NAMES}`,
  "    FOR v_stmt IN SELECT jsonb_array_elements_text(v_dep->'indexes') LOOP EXECUTE v_stmt; END LOOP;",
  `    ${QUALIFIED_NAMES}`,
];
const REFRESH = [
  "    IF v_dep->>'refresh' IS NOT NULL THEN",
  `      ${CALLER_NAMES}`,
  "      EXECUTE v_dep->>'refresh';",
  `      ${QUALIFIED_NAMES}`,
  '    END IF;',
];

function recreateDependents(view: string): string[] {
  const hint = literal(
    `the swap was rolled back and nothing changed: make the dependent fit the new ${view} (or drop it), then run again`,
  );
  return [
    QUALIFIED_NAMES,
    'FOR v_dep IN SELECT value FROM jsonb_array_elements(v_dependents) LOOP',
    '  BEGIN',
    "    FOR v_stmt IN SELECT jsonb_array_elements_text(v_dep->'create') LOOP EXECUTE v_stmt; END LOOP;",
    ...INDEXES,
    `    FOR v_grantee IN ${CURRENT_GRANTEES_SQL.replace(/\n/g, '\n    ')} LOOP`,
    "      EXECUTE format('REVOKE ALL ON %s %s FROM %s', v_dep->>'grantOn', v_dep->>'name', v_grantee);",
    '    END LOOP;',
    "    FOR v_stmt IN SELECT jsonb_array_elements_text(v_dep->'grants') LOOP EXECUTE v_stmt; END LOOP;",
    ...REFRESH,
    '  EXCEPTION WHEN OTHERS THEN',
    "    RAISE EXCEPTION USING ERRCODE = SQLSTATE, MESSAGE = format('%s failed: %s', coalesce(v_dep->>'doing',",
    `      format('recreating %s %s against %s', v_dep->>'kind', v_dep->>'name', ${literal(view)})), SQLERRM),`,
    `      HINT = coalesce(v_dep->>'hint', ${hint});`,
    '  END;',
    'END LOOP;',
    CALLER_NAMES,
  ];
}

/** The second DO block refuses to run without what the first read: "no dependents" is never assumed. */
function carriedDependents(view: string): string[] {
  const message = literal(
    `cannot finish the swap of ${view}: what the first part of the swap read (the setting ` +
      'schemashift.carried_dependents) is not there, so its dependents would be lost',
  );
  const hint = literal('run the swap step as one transaction, as schemashift run does; this part changed nothing');
  return [
    `v_carried := current_setting(${CARRIED}, true);`,
    "IF coalesce(v_carried, '') = '' THEN",
    `  RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state', MESSAGE = ${message}, HINT = ${hint};`,
    'END IF;',
    'v_dependents := v_carried::jsonb;',
  ];
}

const DECLARATIONS = [
  'DECLARE',
  "  v_caller_path text := current_setting('search_path');",
  '  v_dependents jsonb;',
  '  v_unsupported text;',
  '  v_dep jsonb;',
  '  v_stmt text;',
  '  v_grantee text;',
  '  v_carried text;',
];

const NOTE = [
  '-- What reads the view giving up its name (views, materialized views, functions: found in the catalog now,',
  '-- recursively) is dropped and recreated against the view taking the name, with owners, grants, comments and',
  '-- indexes. A dependent materialized view is created empty and, once its owner is set, refreshed (as that',
  '-- owner) if it had data, while the swap holds its locks.',
];

const ATTRIBUTES_NOTE = [
  '-- First the view taking the name gets the owner, grants and comments (its own and those of the columns both',
  '-- have) of the one giving it up.',
];

/** Where the first DO block leaves what it read for the second, until the transaction ends. */
const CARRIED = "'schemashift.carried_dependents'";

function doBlock(lines: string[]): string {
  return `DO ${dollarQuote(['', ...lines, ''].join('\n'))}`;
}

/**
 * `renames` (plain statements) with every dependent of `view` carried over to what holds its name
 * after them, `building` (the view taking the name) first given the attributes of `view`. The
 * renames stay plain statements between two DO blocks (so that `validate --database` follows them),
 * the first handing what it read to the second through a transaction-local setting.
 */
export function renameCarryingDependentsSql(view: string, building: string, renames: string[]): string {
  const read = doBlock([
    ...NOTE,
    ...ATTRIBUTES_NOTE,
    ...DECLARATIONS,
    `  v_root oid := to_regclass(${literal(qualified(view))});`,
    `  v_building oid := to_regclass(${literal(qualified(building))});`,
    'BEGIN',
    ...indent(readDependents(view), '  '),
    `  ${QUALIFIED_NAMES}`,
    `  v_dependents := ${swapAttributesSql('v_root', 'v_building').replace(/\n/g, '\n  ')} || v_dependents;`,
    `  ${CALLER_NAMES}`,
    `  PERFORM set_config(${CARRIED}, v_dependents::text, true);`,
    'END',
  ]);
  const recreate = doBlock([
    ...DECLARATIONS,
    'BEGIN',
    ...indent(carriedDependents(view), '  '),
    ...indent(recreateDependents(view), '  '),
    `  PERFORM set_config(${CARRIED}, '', true);`,
    'END',
  ]);
  return [read, ...renames, recreate].join(';\n');
}

/** The same in one DO block that does nothing at all unless `guard` (an SQL condition) holds. */
export function guardedRenameCarryingDependentsSql(view: string, renames: string[], guard: string): string {
  const work = [...readDependents(view), ...renames.map((r) => `${r};`), ...recreateDependents(view)];
  return doBlock([
    ...NOTE,
    ...DECLARATIONS,
    `  v_root oid := to_regclass(${literal(qualified(view))});`,
    'BEGIN',
    `  IF ${guard} THEN`,
    ...indent(work, '    '),
    '  END IF;',
    'END',
  ]);
}

/**
 * DROP MATERIALIZED VIEW without CASCADE, refusing first, with their names, while anything depends
 * on it (a view created after a swap still reading the old one, say). `replacedBy`: the view that
 * took its place, which the dependents should read instead.
 */
export function dropMaterializedViewSql(name: string, replacedBy?: string): string {
  const message = literal(`cannot drop materialized view ${name}: these still depend on it: `);
  const instead = replacedBy === undefined ? 'another relation' : replacedBy;
  const hint = literal(
    `make them read ${instead} (CREATE OR REPLACE VIEW, or drop and create them) or drop them, then run again; ` +
      'schemashift never drops with CASCADE',
  );
  const body = [
    '',
    'DECLARE',
    `  v_root oid := to_regclass(${literal(qualified(name))});`,
    '  v_dependents text;',
    'BEGIN',
    `  WITH RECURSIVE ${dependentNodesCte('v_root').replace(/\n/g, '\n  ')}`,
    "  SELECT string_agg(DISTINCT coalesce(kind || ' ' || (SELECT CASE WHEN classid = 'pg_proc'::regclass",
    "    THEN objid::regprocedure::text ELSE objid::regclass::text END), what), ', ')",
    '    FROM node WHERE depth = 1 INTO v_dependents;',
    '  IF v_dependents IS NOT NULL THEN',
    `    RAISE EXCEPTION USING ERRCODE = 'dependent_objects_still_exist', MESSAGE = ${message} || v_dependents,`,
    `      HINT = ${hint};`,
    '  END IF;',
    `  DROP MATERIALIZED VIEW IF EXISTS ${qualified(name)};`,
    'END',
    '',
  ];
  return `DO ${dollarQuote(body.join('\n'))}`;
}
