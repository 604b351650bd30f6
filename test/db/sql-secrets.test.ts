import { describe, expect, it } from 'vitest';
import { activityQueryText, scrubSqlSecrets } from '../../src/db/sql-secrets.js';

describe('scrubSqlSecrets: other sessions’ statements without their secrets', () => {
  it.each([
    ["ALTER USER MAPPING FOR CURRENT_USER SERVER s OPTIONS (ADD password 'TopSecret99')", "(ADD password '****')"],
    [
      "CREATE USER MAPPING FOR x SERVER s OPTIONS (user 'bob', password 'Top''Secret99')",
      "user '****', password '****'",
    ],
    [
      "ALTER ROLE bob WITH ENCRYPTED PASSWORD E'Top\\'Secret99' VALID UNTIL '2030-01-01'",
      "PASSWORD E'****' VALID UNTIL '****'",
    ],
    ['ALTER ROLE bob PASSWORD $pw$TopSecret99$pw$', 'PASSWORD $pw$****$pw$'],
    ["DO $$ BEGIN EXECUTE 'ALTER ROLE bob PASSWORD ''TopSecret99'''; END $$", "DO $$ BEGIN EXECUTE '****'; END $$"],
    ['ALTER USER MAPPING FOR x SERVER s OPTIONS (SET "password" \'TopSecret99\')', '"password" \'****\''],
    ['ALTER SERVER s OPTIONS (SET password "TopSecret99")', 'password "****"'],
    ["SELECT dblink_connect('host=h password=TopSecret99 dbname=d')", "dblink_connect('****')"],
    ["SELECT dblink('postgres://u:TopSecret99@h/db', 'select 1')", "dblink('****', '****')"],
    ["/* it's */ -- it's\nALTER ROLE bob PASSWORD 'TopSecret99'", "PASSWORD '****'"],
    ["SELECT set_config('app.password', 'TopSecret99', true)", "set_config('****', '****', true)"],
    ["SELECT crypt('TopSecret99', gen_salt('bf')) AS password", "crypt('****', gen_salt('****'))"],
    ["SELECT set_config('app.pwd', $$TopSecret99$$, true)", "set_config('****', $$****$$, true)"],
  ])('%s', (sql, shown) => {
    const out = scrubSqlSecrets(sql);
    expect(out).not.toContain('TopSecret99');
    expect(out).toContain(shown);
  });

  it('masks the password of a URL in a statement that names no password', () => {
    expect(scrubSqlSecrets("SELECT dblink('postgres://u:Hunter2xyz@h/db', 'select 1')")).toBe(
      "SELECT dblink('postgres://u:****@h/db', 'select 1')",
    );
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
