/** Type modifiers read as PostgreSQL applies them to a column. */
import { beforeAll, describe, expect, it } from 'vitest';
import { typeModifiers } from '../../src/dialects/postgres/definition-shapes.js';
import { ensureSqlParser } from '../../src/dialects/postgres/sql/parser.js';

describe('typeModifiers', () => {
  beforeAll(() => ensureSqlParser());

  it('agrees where format_type prints the same column type another way', () => {
    expect(typeModifiers('varchar(100)')).toBe(typeModifiers('character varying(100)'));
    expect(typeModifiers('char')).toBe(typeModifiers('character(1)'));
    expect(typeModifiers('bit')).toBe(typeModifiers('bit(1)'));
    expect(typeModifiers('int[3]')).toBe(typeModifiers('integer[]'));
    expect(typeModifiers('text[][]')).toBe(typeModifiers('text[]'));
    expect(typeModifiers('timestamptz(3)')).toBe(typeModifiers('timestamp(3) with time zone'));
    expect(typeModifiers('numeric(10,2)')).toBe(typeModifiers('numeric(10,2)'));
  });

  it('tells apart different lengths and precisions, and an array from its element', () => {
    expect(typeModifiers('varchar(100)')).not.toBe(typeModifiers('character varying(255)'));
    expect(typeModifiers('varchar')).not.toBe(typeModifiers('character varying(255)'));
    expect(typeModifiers('numeric(10,2)')).not.toBe(typeModifiers('numeric(12,2)'));
    expect(typeModifiers('text')).not.toBe(typeModifiers('text[]'));
  });
});
