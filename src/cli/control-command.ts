/** `pause FILE` / `resume FILE`: from another terminal, stop or restart a backfill at its next batch boundary. */
import { loadPlanFile } from '../plan/load.js';
import { stateStoreOf } from './state-of.js';
import { actorName } from '../runner/context.js';
import { currentActor } from '../runner/run-plan.js';

import { openDatabase } from './database.js';
import type { Io } from './io.js';

export async function controlCommand(
  action: 'pause' | 'resume',
  file: string,
  opts: { database?: string },
  io: Io,
): Promise<number> {
  const plan = await loadPlanFile(file, io.cwd);
  const conn = await openDatabase(opts.database, io, `schemashift ${action}`, { mustExist: true });
  try {
    const store = stateStoreOf(conn);
    const run = (await store.exists()) ? await store.getRun(plan.name) : undefined;
    if (!run) {
      io.out(`plan ${plan.name} has not run on ${conn.displayUrl}: nothing to ${action}\n`);
      return 0;
    }
    const who = actorName(currentActor());
    await store.setRun(
      plan.name,
      action === 'pause' ? { paused: true, pause_requested_by: who } : { paused: false, pause_requested_by: null },
    );
    await store.event(plan.name, null, action, `${action} requested`, undefined, who);
    io.out(
      action === 'pause'
        ? `paused ${plan.name}: a running backfill stops at its next batch boundary (resume with ` +
            `\`schemashift resume ${file}\`)\n`
        : `resumed ${plan.name}: a paused backfill goes on with its next batch\n`,
    );
    return 0;
  } finally {
    await conn.close();
  }
}
