/** What `schemashift test` asks of PostgreSQL besides the runner's own work. */
import type { CatalogSource, RehearsalSql } from '../rehearsal.js';
import { readStructure } from './rehearse-catalog.js';
import { seedScript } from './rehearse-seed.js';
import { scratchDatabases } from './rehearse-scratch.js';
import { takeCatalogSnapshot } from './rehearse-snapshot.js';

export const postgresRehearsal: RehearsalSql = {
  async readSource(db, names): Promise<CatalogSource> {
    const structure = await readStructure(db, names);
    return {
      relations: structure.relations.map((r) => ({ schema: r.schema, name: r.name })),
      notFound: structure.notFound,
      seedScript: (rows) => seedScript(structure, rows),
    };
  },
  snapshot: takeCatalogSnapshot,
  scratchDatabases,
  async countRows(db, qualifiedTable, where) {
    const sql = `SELECT count(*) AS n FROM ${qualifiedTable}${where ? ` WHERE ${where}` : ''}`;
    const { rows } = await db.query<{ n: string | number }>(sql);
    return Number(rows[0]?.n ?? 0);
  },
  async rowsDone(db, planName, stepId) {
    const sql = 'SELECT rows_done AS n FROM schemashift.steps WHERE plan_name = $1 AND step_id = $2';
    const { rows } = await db.query<{ n: string | number }>(sql, [planName, stepId]);
    return Number(rows[0]?.n ?? 0);
  },
};
