/**
 * `schemashift new change-type|rename-column --database URL`: read what the old column carries
 * from the catalog and write it into the entry as declarations, so that the plan carries it all
 * and `plan` still shows the exact SQL. What cannot be carried is written as a comment; run and
 * validate --database refuse the plan until it is resolved.
 */
import YAML from 'yaml';
import { connect } from '../db/index.js';
import { UsageError } from '../errors.js';
import {
  compactNode,
  compareCarry,
  declarationsFromLive,
  describeCarryProblems,
  hasCarryProblems,
  withoutDefaults,
} from '../introspect/carry-diff.js';
import { postgres } from '../dialects/postgres/postgres-dialect.js';

const CARRYING_TEMPLATES: Record<string, string> = { 'change-type': 'change_type', 'rename-column': 'rename_column' };

/** Adds the declarations of `table.column` to the template's entry; returns the lines of what cannot be carried. */
export async function fillCarryDeclarations(
  doc: YAML.Document,
  template: string,
  url: string,
  table: string,
  column: string,
  cwd: string,
): Promise<string[]> {
  const kind = CARRYING_TEMPLATES[template];
  if (kind === undefined)
    throw new UsageError(
      `--database is only used by the change-type and rename-column templates, not ${template}`,
      'leave --database out',
    );
  const conn = await connect(url, { applicationName: 'schemashift new', cwd });
  try {
    const live = await postgres.introspect.columnAttachments(conn, table, column);
    if (!live)
      throw new UsageError(
        `${table}.${column} does not exist in ${conn.displayUrl}`,
        'check --table and --column (and that --database is the database the plan will run on)',
      );
    const declarations = declarationsFromLive(live);
    const entry = doc.getIn(['phases', 'expand', 0, kind]);
    if (!YAML.isMap(entry)) throw new Error(`internal: template ${template} has no ${kind} entry first in expand`);
    for (const [key, value] of Object.entries(withoutDefaults(declarations))) entry.set(key, compactNode(doc, value));
    const problems = compareCarry(kind, { table, ...declarations }, live);
    return hasCarryProblems(problems) ? [describeCarryProblems(kind, column, problems, live).message] : [];
  } finally {
    await conn.close();
  }
}
