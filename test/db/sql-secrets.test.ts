import { describe, expect, it } from 'vitest';
import { activityQueryText, scrubSqlSecrets } from '../../src/db/sql-secrets.js';

describe('scrubSqlSecrets: other sessions’ statements without their secrets', () => {
  it.each([
    ["ALTER USER MAPPING FOR CURRENT_USER SERVER s OPTIONS (ADD password 'TopSecret99')", "(ADD password '****')"],
    [
      "CREATE USER MAPPING FOR x SERVER s OPTIONS (user 'bob', password 'Top''Secret99')",
      "user 'bob', password '****'",
    ],
    [
      "ALTER ROLE bob WITH ENCRYPTED PASSWORD E'Top\\'Secret99' VALID UNTIL '2030-01-01'",
      "PASSWORD E'****' VALID UNTIL '2030-01-01'",
    ],
    ['ALTER ROLE bob PASSWORD $pw$TopSecret99$pw$', 'PASSWORD $pw$****$pw$'],
    ["DO $$ BEGIN EXECUTE 'ALTER ROLE bob PASSWORD ''TopSecret99'''; END $$", "PASSWORD ''****''"],
    ['ALTER USER MAPPING FOR x SERVER s OPTIONS (SET "password" \'TopSecret99\')', '"password" \'****\''],
    ['ALTER SERVER s OPTIONS (SET password "TopSecret99")', 'password "****"'],
    ["SELECT dblink_connect('host=h password=TopSecret99 dbname=d')", "'host=h password=**** dbname=d'"],
    ["SELECT dblink('postgres://u:TopSecret99@h/db', 'select 1')", "'postgres://u:****@h/db'"],
    ["/* it's */ -- it's\nALTER ROLE bob PASSWORD 'TopSecret99'", "PASSWORD '****'"],
  ])('%s', (sql, shown) => {
    const out = scrubSqlSecrets(sql);
    expect(out).not.toContain('TopSecret99');
    expect(out).toContain(shown);
  });

  it('masks a literal cut off by the length cap, and leaves values that are not secrets', () => {
    expect(scrubSqlSecrets("ALTER ROLE bob PASSWORD 'TopSec")).toBe("ALTER ROLE bob PASSWORD '****");
    expect(scrubSqlSecrets("UPDATE t SET name = 'bob' WHERE id = 1")).toBe("UPDATE t SET name = 'bob' WHERE id = 1");
  });
});

describe('activityQueryText', () => {
  it('scrubs before it caps, collapses whitespace, and takes null as empty', () => {
    const sql = `ALTER   USER MAPPING\n FOR CURRENT_USER SERVER ${'s'.repeat(60)} OPTIONS (ADD password 'TopSecret99')`;
    const shown = activityQueryText(sql);
    expect(shown.length).toBeLessThanOrEqual(80);
    expect(shown.startsWith('ALTER USER MAPPING FOR CURRENT_USER')).toBe(true);
    expect(activityQueryText(sql, 500)).toContain("password '****'");
    expect(activityQueryText(null)).toBe('');
  });
});
