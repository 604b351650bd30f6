/**
 * The `flags` command's words and options. Its action (flags-command.ts) loads the plan reader and
 * the flag stores, so it is imported only when `flags` runs: `--version`, `--help` and the other
 * commands do not pay for it.
 */
import { Option, type Command } from 'commander';
import type { FlagsAction, FlagsOptions } from './flags-command.js';
import type { Io } from './io.js';

/** `schemashift flags list|get|set`, with the store options on each subcommand. */
export function registerFlagsCommand(
  program: Command,
  io: Io,
  setExit: (code: number) => void,
  database: () => Option,
): void {
  const run = async (what: FlagsAction, opts: FlagsOptions) =>
    setExit(await (await import('./flags-command.js')).flagsCommand(what, opts, io));
  const flags = program
    .command('flags')
    .description(
      "read or set a feature flag's rollout percentage in the plan's store (--plan), a JSON file " +
        '(--flags-file) or the table schemashift.feature_flags',
    );
  const withStore = (c: Command) =>
    c
      .option('--plan <file>', "use the plan's settings.flags store")
      .option(
        '--flags-file <path>',
        'flags in this JSON file: the Microsoft feature management format, or an appsettings.json "FeatureManagement" section (.NET)',
      )
      .addOption(database())
      .option('--json', 'machine-readable output');
  withStore(flags.command('list').description('every flag and its percentage')).action((opts: FlagsOptions) =>
    run({ action: 'list' }, opts),
  );
  withStore(
    flags.command('get').description("one flag's percentage and definition").argument('<flag>', 'flag id'),
  ).action((flag: string, opts: FlagsOptions) => run({ action: 'get', flag }, opts));
  withStore(
    flags
      .command('set')
      .description('set a flag to a percentage (created if absent); 0 turns it off for everyone')
      .argument('<flag>', 'flag id')
      .argument('<percent>', '0 to 100'),
  )
    .addOption(
      new Option(
        '--filter <filter>',
        "targeting: sticky per user (default: the flag's current filter, else targeting); percentage: random per call",
      ).choices(['targeting', 'percentage']),
    )
    .action((flag: string, percent: string, opts: FlagsOptions) => run({ action: 'set', flag, percent }, opts));
}
