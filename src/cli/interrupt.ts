import type { Io } from './io.js';

export interface Interruptions {
  /** What the first Ctrl-C (or SIGTERM) does, said after its name. */
  stopping: string;
  /** The second one: by default the process exits 130 at once. */
  quit?: (name: string) => void;
}

const RUN: Interruptions = {
  stopping: 'stopping after the current statement or batch (press Ctrl-C again to quit at once)',
};

let lateSignalsExit = false;
/** Commands whose own handlers are installed: while any is, a signal is theirs. */
let active = 0;

/**
 * Once a command's own handlers are gone the process is winding down (closing pools, writing the
 * last lines): a Ctrl-C then still ends it with 130 instead of Node's default death by signal.
 * Installed once per process.
 */
function exitOnLateSignals(): void {
  if (lateSignalsExit) return;
  lateSignalsExit = true;
  const late = () => void (active === 0 && process.exit(130));
  process.on('SIGINT', late);
  process.on('SIGTERM', late);
}

/**
 * Ctrl-C (or SIGTERM) asks the work to stop at its next safe point (the returned signal aborts); a
 * second one quits. Dispose only once the work's own clean-up is over: until then a second Ctrl-C
 * must still go through here, not through Node's default handler.
 */
export function interruptSignal(io: Io, how: Interruptions = RUN): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const quit = how.quit ?? (() => process.exit(130));
  const onSignal = (name: string) => {
    if (controller.signal.aborted) return quit(name);
    io.err(`\n${name}: ${how.stopping}\n`);
    controller.abort();
  };
  const onInt = () => onSignal('Ctrl-C');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  active++;
  return {
    signal: controller.signal,
    dispose: () => {
      exitOnLateSignals();
      active--;
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
