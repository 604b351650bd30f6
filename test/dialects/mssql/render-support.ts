/** Rendering one neutral action with SQL Server's DDL renderers, for the unit tests of test/dialects/mssql/. */
import type { Action, DdlRenderer, Rendered, Unsupported } from '../../../src/dialects/actions.js';
import { isUnsupported } from '../../../src/dialects/actions.js';
import { mssqlDdl } from '../../../src/dialects/mssql/ddl.js';

const defaults = mssqlDdl();

export function render(a: Action, renderer: DdlRenderer = defaults): Rendered | Unsupported {
  const fn = (renderer as unknown as Record<string, (x: Action) => Rendered | Unsupported>)[a.kind];
  if (fn === undefined) throw new Error(`no renderer for ${a.kind}`);
  return fn(a);
}

/** The rendered statement; throws when SQL Server refuses the action. */
export function rendered(a: Action, renderer: DdlRenderer = defaults): Rendered {
  const r = render(a, renderer);
  if (isUnsupported(r)) throw new Error(`unsupported: ${r.unsupported}`);
  return r;
}

/** The refusal; throws when SQL Server renders the action. */
export function refused(a: Action, renderer: DdlRenderer = defaults): Unsupported {
  const r = render(a, renderer);
  if (!isUnsupported(r)) throw new Error(`rendered: ${r.sql}`);
  return r;
}
