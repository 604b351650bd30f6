import { sqlFinding } from '../../../../lint/finding.js';
import { columnSpots, describeSpot, type ColumnSpot } from '../columns.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';
import { sqlSourcesOf } from '../raw-sql.js';

function findingOf(s: ColumnSpot): Finding {
  const array = s.isArray ? '[]' : '';
  return sqlFinding(
    preferJsonb,
    s.stmt,
    s.typeOffset,
    `${describeSpot(s)} uses json${array}: it keeps the text as written and re-parses it on every access, has ` +
      `no equality operator (no DISTINCT, GROUP BY, UNIQUE or btree index) and no GIN index support`,
    s.how === 'alter-type'
      ? `use jsonb${array} instead of json${array}`
      : `use jsonb${array}: write \`${s.column} jsonb${array}\`; only keep json when the exact text (key order, ` +
          `duplicate keys, whitespace) must survive`,
  );
}

export const preferJsonb: Rule = {
  id: 'prefer-jsonb',
  severity: 'warning',
  description: 'A json column: jsonb is faster to query, comparable and indexable.',
  check: (ctx: LintContext) =>
    columnSpots(sqlSourcesOf(ctx))
      .filter((s) => s.type === 'json')
      .map(findingOf),
};
