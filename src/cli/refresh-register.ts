/** The `refresh` command's words and options; its action (refresh-command.ts) is loaded only when it runs. */
import { Option, type Command } from 'commander';
import type { Io } from './io.js';
import type { RefreshCommandOptions } from './refresh-options.js';

export function registerRefreshCommand(
  program: Command,
  io: Io,
  setExit: (code: number) => void,
  database: () => Option,
): void {
  program
    .command('refresh')
    .description(
      'refresh materialized views, for a scheduler: one refresh of a view at a time (an overlapping run exits 3 at ' +
        'once, naming the holder), CONCURRENTLY when the view allows it, under lock_timeout with retries, each ' +
        'refresh recorded (status and doctor show its age); exit 0 all refreshed, 1 one failed, 2 invalid, 3 locked',
    )
    .argument('<views...>', 'materialized views (name or schema.name), refreshed in this order')
    .addOption(
      new Option(
        '--concurrently <when>',
        'auto: CONCURRENTLY when the view is populated and has a unique index on plain columns without WHERE, ' +
          'else a blocking refresh; always: refuse (exit 2) a view where it cannot work; never: blocking',
      )
        .choices(['auto', 'always', 'never'])
        .default('auto'),
    )
    .addOption(database())
    .option('--json', 'one JSON document: {"refreshes": [...]}')
    .option(
      '--max-staleness <duration>',
      'declare how old each view may get before status and doctor flag it (e.g. 25h)',
    )
    .option('--lock-timeout <duration>', 'lock_timeout of each attempt (default 2s)')
    .option('--lock-retries <n>', 'attempts after a lost lock wait, with exponential backoff and jitter (default 10)')
    .option('--statement-timeout <duration>', 'statement_timeout of the refresh and its row count (default none)')
    .action(async (views: string[], opts: RefreshCommandOptions) =>
      setExit(await (await import('./refresh-command.js')).refreshCommand(views, opts, io)),
    );
}
