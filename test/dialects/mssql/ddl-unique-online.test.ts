import { describe, expect, it } from 'vitest';
import { isUnsupported, type Rendered } from '../../../src/dialects/actions.js';
import { addUniqueOnline } from '../../../src/dialects/mssql/ddl-unique-online.js';

const render = (extra: object = {}) =>
  addUniqueOnline({
    kind: 'add-unique-online',
    table: 'sales.orders',
    name: 'orders_code_key',
    columns: ['code'],
    ...extra,
  });

describe('add_unique on SQL Server: one ALTER TABLE, online where the edition has it', () => {
  it('builds the constraint in dynamic SQL whose only variable part is ONLINE = ON', () => {
    const r = render() as Rendered;
    expect(r.sql).toContain(
      "DECLARE @add_unique nvarchar(max) = N'ALTER TABLE [sales].[orders] ADD CONSTRAINT [orders_code_key] UNIQUE NONCLUSTERED ([code])';",
    );
    expect(r.sql).toContain("IN (3, 5, 8) SET @add_unique += N' WITH (ONLINE = ON)';");
    expect(r.sql).toMatch(/EXEC sys\.sp_executesql @add_unique$/);
    expect(r.lock.level).toBe('Sch-M');
    expect(r.probe).toContain("N'orders_code_key'");
  });

  it('keeps fillfactor, online or not', () => {
    const r = render({ storage: { fillfactor: 80 } }) as Rendered;
    expect(r.sql).toContain("UNIQUE NONCLUSTERED ([code]) WITH (FILLFACTOR = 80';");
    expect(r.sql).toContain("SET @add_unique += N', ONLINE = ON)';\nELSE SET @add_unique += N')';");
  });

  it('doubles quotes and brackets of hostile names inside the literal', () => {
    const r = addUniqueOnline({
      kind: 'add-unique-online',
      table: "t'x",
      name: 'a]b',
      columns: ["c'; DROP"],
    }) as Rendered;
    expect(r.sql).toContain("N'ALTER TABLE [t''x] ADD CONSTRAINT [a]]b] UNIQUE NONCLUSTERED ([c''; DROP])'");
  });

  it.each([
    [{ include: ['id'] }, /INCLUDE/],
    [{ deferrable: { initiallyDeferred: false } }, /deferrable/],
    [{ tablespace: 'fast' }, /tablespace/],
    [{ storage: { deduplicate_items: false } }, /deduplicate_items/],
  ])('refuses what SQL Server has no counterpart for: %o', (extra, reason) => {
    const r = render(extra);
    expect(isUnsupported(r) && r.unsupported).toMatch(reason);
  });
});
