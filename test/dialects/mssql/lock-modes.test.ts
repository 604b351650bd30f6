/** SQL Server lock modes and what each does to the application. */
import { describe, expect, it } from 'vitest';
import { isLockMode, LOCK_IMPACT, lockImpact, lockOf } from '../../../src/dialects/mssql/lock-modes.js';

describe('mssql lock impact', () => {
  it('Sch-M stops everything, reads included; so do X and BU', () => {
    expect(lockImpact('Sch-M')).toBe('blocks-all');
    expect(lockImpact('X')).toBe('blocks-all');
    expect(lockImpact('BU')).toBe('blocks-all');
  });

  it('S, U, SIX, SIU and UIX stop writes', () => {
    for (const mode of ['S', 'U', 'SIX', 'SIU', 'UIX']) expect(lockImpact(mode)).toBe('blocks-writes');
  });

  it('intent locks and Sch-S only keep DDL waiting', () => {
    for (const mode of ['IX', 'IU', 'IS', 'Sch-S']) expect(lockImpact(mode)).toBe('blocks-ddl');
    expect(lockImpact('none')).toBe('none');
  });

  it('an unknown name is the worst; names are case-sensitive as SQL Server spells them', () => {
    expect(lockImpact('SCH-M')).toBe('blocks-all');
    expect(lockImpact('ACCESS EXCLUSIVE')).toBe('blocks-all');
    expect(lockImpact('')).toBe('blocks-all');
    expect(isLockMode('sch-s')).toBe(false);
    expect(isLockMode('toString')).toBe(false);
    expect(lockImpact('toString')).toBe('blocks-all');
  });

  it('covers every mode it names', () => {
    expect(Object.keys(LOCK_IMPACT).sort()).toEqual(
      ['BU', 'IS', 'IU', 'IX', 'S', 'SIU', 'SIX', 'Sch-M', 'Sch-S', 'U', 'UIX', 'X', 'none'].sort(),
    );
  });
});

describe('mssql lockOf', () => {
  it('renders a lock in the neutral shape', () => {
    expect(lockOf('Sch-M', ['dbo.orders'])).toEqual({ level: 'Sch-M', impact: 'blocks-all', on: ['dbo.orders'] });
    expect(lockOf('Sch-S', [])).toEqual({ level: 'Sch-S', impact: 'blocks-ddl', on: [] });
  });

  it('refuses a name that is not a SQL Server lock mode', () => {
    expect(() => lockOf('SHARE UPDATE EXCLUSIVE', ['t'])).toThrow(/not a SQL Server lock mode/);
  });
});
