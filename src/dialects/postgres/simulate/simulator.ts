/** PostgreSQL statements followed through the simulated schema, with libpg-query parse trees. */
import { OLDEST_SUPPORTED, versionLabel } from '../capabilities.js';
import type { CheckContext } from '../../../lint/database/context.js';
import type { Place } from '../../../lint/database/requirements.js';
import { parseSql } from '../sql/parser.js';
import { rowColumns } from '../sql/row-expression.js';
import { singleQuery, splitStatements, tablesRead, type SqlStatement } from '../sql/statements.js';
import type { StatementSimulator } from '../../simulate.js';
import { postgresAdvice } from './advice.js';
import { columnsRead, typeNamesIn } from './ast-names.js';
import { applyStatement } from './effects.js';
import { checkRawStatement } from './raw-statements.js';
import { checkStatementCost } from './statement-costs.js';
import { volatileDefaultFindings } from './volatile-defaults.js';
import { scheduledJobFindings } from '../cron-findings.js';

function statementsOf(sql: string): SqlStatement[] {
  try {
    return splitStatements(sql);
  } catch {
    return [];
  }
}

function runStatements(ctx: CheckContext, sql: string, placeAt: (offset: number) => Place, raw: boolean): void {
  for (const statement of statementsOf(sql)) {
    const place = placeAt(statement.offset);
    if (raw) checkRawStatement(ctx, place, statement.node);
    checkStatementCost(ctx, place, statement.node);
    applyStatement(ctx.state, statement.node, ctx.types);
  }
}

export const postgresSimulator: StatementSimulator = {
  advice: postgresAdvice,
  runStatements,
  tablesRead(sql) {
    const parsed = parseSql(sql);
    return parsed.ok ? tablesRead(parsed.result) : [];
  },
  tablesReadByQuery: (sql) => tablesRead(singleQuery(sql).node),
  columnsRead,
  rowColumns,
  typeNamesIn,
  volatileDefaultFindings,
  scheduledJobFindings,
  serverProblem(server) {
    if (server.versionNum >= OLDEST_SUPPORTED) return undefined;
    return {
      message:
        `the server runs PostgreSQL ${server.version}, older than the oldest supported release ` +
        `(${versionLabel(OLDEST_SUPPORTED)}): set_not_null scans under ACCESS EXCLUSIVE, REINDEX CONCURRENTLY ` +
        `does not exist`,
      help: 'upgrade the server to PostgreSQL 12 or newer before running schemashift plans on it',
    };
  },
};
