/**
 * The names of generated T-SQL: identifiers always in brackets (`]` doubled), strings as N'…' (`'`
 * doubled), from names.ts; plus the lists and OBJECT_ID lookups the renderers share.
 */
import { bracketIdent, bracketQualified, quoteLiteral } from './names.js';

export const ident = bracketIdent;
export const qualified = bracketQualified;
export const literal = quoteLiteral;

export const identList = (names: string[]): string => names.map(ident).join(', ');

/** OBJECT_ID of a table as the plan writes it (unqualified: the session's default schema). */
export const objectId = (table: string): string => `OBJECT_ID(${literal(qualified(table))})`;
