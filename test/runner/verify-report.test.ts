/** The UPDATE a verify suggests is built with the dialect's literal: a key holding a backslash or a quote stays one string. */
import { beforeAll, describe, expect, it } from 'vitest';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { ensureSqlParser, parseSql } from '../../src/dialects/postgres/sql/parser.js';

function stringConstants(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => stringConstants(n, out));
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'sval' && typeof (value as { sval?: unknown }).sval === 'string')
        out.push((value as { sval: string }).sval);
      else stringConstants(value, out);
    }
  }
  return out;
}

describe('verify fix statement', () => {
  beforeAll(() => ensureSqlParser());

  it('quotes keys with backslashes and quotes as the dialect does', () => {
    const first = "a\\' OR true --";
    const last = "z'\\";
    const sql = postgres.backfill.fixStatement({ table: 'docs', compare: { body_new: 'body' } }, ['code'], {
      first: [first],
      last: [last],
    });
    expect(sql).toBe(
      `UPDATE docs SET body_new = body WHERE code BETWEEN E'a\\\\'' OR true --' AND E'z''\\\\' AND body_new IS DISTINCT FROM body;`,
    );
    const parsed = parseSql(sql);
    expect(parsed.ok).toBe(true);
    expect(stringConstants(parsed.ok ? parsed.result : null)).toEqual([first, last]);
  });
});
