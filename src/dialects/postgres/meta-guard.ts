/**
 * The drift guard of a metadata change: a DO block, run in the step's own transaction before the
 * change, that reads the live value and refuses (RAISE, so the whole transaction rolls back) unless
 * it is the value the plan says the step replaces. Values are compared as the server prints them:
 * where the plan's text is SQL (a default), the guard first sets it on the column inside the same
 * transaction and reads it back, so `'x'` and `'x'::text` compare equal exactly when PostgreSQL
 * reads them the same. Nothing of this is visible to others: the step holds its lock throughout.
 */
import { dollarQuote } from './sql/plpgsql-function.js';
import { quoteLiteral as literal } from './names.js';

/** A value as SQL (text), or statements that put it in place so that `read` prints it as the server does. */
export type GuardValue = { sql: string } | { set: string };

export interface DriftGuard {
  /** For people: "the default of orders.status". */
  subject: string;
  /** SQL (text) reading the live value; NULL for none. */
  read: string;
  /** The value the step expects to find before it changes it. */
  expected: GuardValue;
  /** The value the step sets. */
  target: GuardValue;
  /** The step's own target already in place passes too (an undo re-run after a killed rollback). */
  targetOk: boolean;
  /** How an absent value (NULL) is shown: "none", "no comment". */
  none: string;
}

const LIVE = 'schemashift_live';
const EXPECTED = 'schemashift_expected';
const TARGET = 'schemashift_target';

function raise(message: string, hint: string, indent = '    '): string {
  return `${indent}RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state', MESSAGE = ${message}, HINT = ${hint};`;
}

function assign(variable: string, value: GuardValue, read: string): string[] {
  return 'sql' in value ? [`  ${variable} := ${value.sql};`] : [`  ${value.set};`, `  ${variable} := ${read};`];
}

/** `DO $schemashift$ … $schemashift$`: refuses unless the live value is the expected one (or the target, if allowed). */
export function driftGuardSql(g: DriftGuard): string {
  const shown = (v: string) => `coalesce(${v}, ${literal(g.none)})`;
  const alreadyCondition = `${LIVE} IS NOT DISTINCT FROM ${TARGET}`;
  const body = [
    '',
    `DECLARE ${LIVE} text; ${EXPECTED} text; ${TARGET} text;`,
    'BEGIN',
    `  ${LIVE} := ${g.read};`,
    ...assign(EXPECTED, g.expected, g.read),
    ...assign(TARGET, g.target, g.read),
    `  IF ${LIVE} IS NOT DISTINCT FROM ${EXPECTED}${g.targetOk ? ` OR ${alreadyCondition}` : ''} THEN`,
    '    RETURN;',
    '  END IF;',
    `  IF ${alreadyCondition} THEN`,
    raise(
      `format(${literal(`${g.subject} is already %s, what this step sets: it was set before this plan, not by it`)}, ` +
        `${shown(LIVE)})`,
      literal(
        'remove this step (there is nothing to change), or make the plan say what it replaces; a rollback would ' +
          'otherwise put back a value that was not there',
      ),
    ),
    '  END IF;',
    raise(
      `format(${literal(`${g.subject} is %s, but this step expects %s before it sets %s: it changed since the plan was written`)}, ` +
        `${shown(LIVE)}, ${shown(EXPECTED)}, ${shown(TARGET)})`,
      literal(
        'nothing was changed; find out who changed it, then put back what the step expects or make the plan say ' +
          'what is there now, and run again',
      ),
      '  ',
    ),
    'END',
    '',
  ].join('\n');
  return `DO ${dollarQuote(body)}`;
}
