/**
 * db-matview-big-source: a materialized view built WITH DATA (create_materialized_view, or a raw
 * CREATE MATERIALIZED VIEW in a sql step) whose query reads a big table. The build is one statement
 * in the step's transaction: every lock the step takes is held until the whole scan (and the
 * query's joins and sorts) is done, so other DDL in that step, and DDL on the source tables, waits
 * behind it and makes everything queued after it wait too. "Big" is the --big-table-rows /
 * --big-table-size threshold (DEFAULT_DATABASE_CHECK_OPTIONS: 1M rows or 1 GB).
 */
import type { CheckContext } from './context.js';
import { emit, type Place } from './requirements.js';
import { expectText, isBig, sizeText } from './sizes.js';

export function checkMaterializedViewBuild(ctx: CheckContext, place: Place, view: string, sources: string[]): void {
  const big = sources.flatMap((name) => {
    const rel = ctx.state.find(name);
    return rel && isBig(rel, ctx.options) ? [rel] : [];
  });
  if (big.length === 0) return;
  const biggest = big.reduce((a, b) => ((b.bytes ?? 0) > (a.bytes ?? 0) ? b : a));
  emit(
    ctx,
    'db-matview-big-source',
    place,
    `materialized view ${view} is built WITH DATA from ${big.map(sizeText).join(', ')} inside the step's ` +
      `transaction: ${expectText(biggest)} for the scan alone, and every lock the step holds is held that long ` +
      `(other DDL in the step, and DDL on ${big.map((r) => r.name).join(', ')}, waits behind it; whatever queues ` +
      `behind that waits too)`,
    `create it empty (\`with_data: false\`, or WITH NO DATA in raw SQL), then fill it in a step of its own ` +
      `(refresh_materialized_view) or outside the plan (\`schemashift refresh ${view}\`)`,
  );
}
