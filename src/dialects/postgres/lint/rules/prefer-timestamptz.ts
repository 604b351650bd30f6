import { sqlFinding } from '../../../../lint/finding.js';
import { columnSpots, describeSpot, type ColumnSpot } from '../columns.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';
import { sqlSourcesOf } from '../raw-sql.js';

function findingOf(s: ColumnSpot): Finding {
  return sqlFinding(
    preferTimestamptz,
    s.stmt,
    s.typeOffset,
    `${describeSpot(s)} uses timestamp without time zone: the offset of each value is dropped, so 21:00+02 and ` +
      `21:00-06 are stored alike and comparisons across time zones (or a server TimeZone change) go wrong`,
    [
      `use timestamptz (timestamp with time zone): it stores an absolute instant and costs the same 8 bytes: ` +
        `\`${s.column} timestamptz\``,
      'to convert an existing column, use change_type with using: "<column> AT TIME ZONE \'UTC\'" (the zone the ' +
        'values were written in)',
    ].join('\n'),
  );
}

export const preferTimestamptz: Rule = {
  id: 'prefer-timestamptz',
  severity: 'warning',
  description: 'A timestamp (without time zone) column: timestamptz stores an absolute instant.',
  check: (ctx: LintContext) =>
    columnSpots(sqlSourcesOf(ctx))
      .filter((s) => s.type === 'timestamp')
      .map(findingOf),
};
