import type { Command } from 'commander';
import { UsageError } from '../errors.js';

/** --targets and its selectors: the same command on every database of a fleet (src/fleet/). */
export function addFleetOptions(command: Command): Command {
  return command
    .option('--targets <file>', 'a targets file (YAML): run on each database it names, canary group first')
    .option('--concurrency <n>', 'with --targets: at most this many targets at once (default 1)')
    .option('--only <group>', 'with --targets: only the targets of this group')
    .option('--target <name>', 'with --targets: only this target')
    .option('--target-index <n>', 'with --targets: only the Nth target, 0-based in file order (an Indexed Job pod)');
}
/** A selector without --targets would be silently ignored: refuse it instead. */
export function isFleet(opts: FleetFlags): opts is FleetFlags & { targets: string } {
  const stray = (['concurrency', 'only', 'target', 'targetIndex'] as const).filter((k) => opts[k] !== undefined);
  if (opts.targets === undefined && stray.length > 0)
    throw new UsageError(
      `--${stray[0]?.replace('targetIndex', 'target-index')} only means something with --targets FILE`,
      'add --targets targets.yaml, or drop the option to run on one database',
    );
  return opts.targets !== undefined;
}
export type FleetFlags = {
  targets?: string;
  concurrency?: string;
  only?: string;
  target?: string;
  targetIndex?: string;
};
