/**
 * `flags list | get <flag> | set <flag> <percent> [--filter targeting|percentage]`: read or set
 * rollout percentages in the plan's flag store (--plan), a JSON file (--flags-file), or the table
 * schemashift.feature_flags in --database / DATABASE_URL.
 */
import { hostname, userInfo } from 'node:os';
import {
  checkFlagId,
  describeRollout,
  parsePercent,
  rolloutOf,
  type FeatureFlag,
  type RolloutFilter,
} from '../flags/definition.js';
import { flagLocation, openFlagStore, type FlagLocation, type FlagStore } from '../flags/store.js';
import { UsageError } from '../errors.js';
import { loadPlanFile } from '../plan/load.js';
import { openDatabase } from './database.js';
import type { Io } from './io.js';
import { stateSqlOf } from './state-of.js';

export interface FlagsOptions {
  plan?: string;
  flagsFile?: string;
  database?: string;
  json?: boolean;
  filter?: RolloutFilter;
}

export type FlagsAction =
  { action: 'list' } | { action: 'get'; flag: string } | { action: 'set'; flag: string; percent: string };

type Checked = { action: 'list' } | { action: 'get'; flag: string } | { action: 'set'; flag: string; percent: number };

function flagJson(flag: FeatureFlag | undefined) {
  const r = rolloutOf(flag);
  return {
    percent: r.percent,
    filter: r.filter,
    enabled: flag?.enabled === true,
    other_filters: r.otherFilters,
    ...(r.unreadable !== undefined ? { unreadable: r.unreadable } : {}),
  };
}

function list(flags: FeatureFlag[], store: FlagStore, opts: FlagsOptions, io: Io): number {
  if (opts.json)
    io.out(
      `${JSON.stringify(
        {
          store: store.where,
          flags: flags.map((f) => ({ id: f.id, ...flagJson(f), definition: f })),
        },
        null,
        2,
      )}\n`,
    );
  else if (flags.length === 0) io.out(`no flags in the ${store.where}\n`);
  else {
    const width = Math.max(...flags.map((f) => f.id.length));
    io.out(flags.map((f) => `${f.id.padEnd(width)}  ${describeRollout(f)}\n`).join(''));
  }
  return 0;
}

async function get(store: FlagStore, id: string, opts: FlagsOptions, io: Io): Promise<number> {
  const flag = await store.get(id);
  if (!flag) {
    const known = (await store.list()).map((f) => f.id);
    throw new UsageError(
      `flag ${id} is not in the ${store.where}${
        known.length > 0 ? ` (it has ${known.join(', ')})` : ' (it has no flags)'
      }`,
      `check the name, or create it: schemashift flags set ${id} <percent>`,
    );
  }
  if (opts.json)
    io.out(`${JSON.stringify({ id, store: store.where, ...flagJson(flag), definition: flag }, null, 2)}\n`);
  else io.out(`${id}: ${describeRollout(flag)} in the ${store.where}\n${JSON.stringify(flag, null, 2)}\n`);
  return 0;
}

async function set(store: FlagStore, id: string, percent: number, opts: FlagsOptions, io: Io): Promise<number> {
  // No --filter: the store keeps the flag's filter, else picks its format's default (see FlagStore).
  const { before, after } = await store.setPercentage(
    id,
    percent,
    opts.filter,
    `${userInfo().username}@${hostname()} (schemashift flags set)`,
  );
  if (opts.json)
    io.out(
      `${JSON.stringify(
        {
          id,
          store: store.where,
          before: before ? flagJson(before) : null,
          after: flagJson(after),
          definition: after,
        },
        null,
        2,
      )}\n`,
    );
  else
    io.out(
      `${id}: ${before ? describeRollout(before) : 'new flag'} → ${describeRollout(after)} in the ${store.where}\n`,
    );
  return 0;
}

function check(what: FlagsAction): Checked {
  if (what.action === 'list') return what;
  checkFlagId(what.flag);
  return what.action === 'get' ? what : { ...what, percent: parsePercent(what.percent) };
}

async function act(store: FlagStore, what: Checked, opts: FlagsOptions, io: Io): Promise<number> {
  switch (what.action) {
    case 'list':
      return list(await store.list(), store, opts, io);
    case 'get':
      return get(store, what.flag, opts, io);
    case 'set':
      return set(store, what.flag, what.percent, opts, io);
  }
}

export async function flagsCommand(what: FlagsAction, opts: FlagsOptions, io: Io): Promise<number> {
  const checked = check(what);
  const plan = opts.plan !== undefined ? await loadPlanFile(opts.plan, io.cwd) : undefined;
  const location: FlagLocation = flagLocation(plan, io.cwd, opts.flagsFile);
  if ('file' in location) return act(openFlagStore(location), checked, opts, io);
  const conn = await openDatabase(opts.database, io, 'schemashift flags', { mustExist: checked.action !== 'set' });
  try {
    return await conn.session((session) => act(openFlagStore(location, session, stateSqlOf(conn)), checked, opts, io));
  } finally {
    await conn.close();
  }
}
