/**
 * A real terminal for tests of interactive prompts: a detached tmux session on its own server socket
 * running the CLI from source, read with capture-pane and driven with send-keys.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

const RUN_CLI = resolve(import.meta.dirname, '../rehearse/run-cli.ts');
const TSX = createRequire(import.meta.url).resolve('tsx');

/** Single-quoted for sh. */
const quoted = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface Terminal {
  /** Waits until the screen matches (30 s at most); returns the screen. */
  screen(what: RegExp): Promise<string>;
  keys(...keys: string[]): void;
  close(): void;
}

/** `schemashift ARGS` in `cwd` at a terminal (CI unset, no colour); the screen ends with `EXIT=<code>`. */
export function openTerminal(args: string[], cwd: string, env: Record<string, string>): Terminal {
  const socket = `schemashift-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const vars = Object.entries({ NO_COLOR: '1', ...env }).map(([k, v]) => `${k}=${quoted(v)}`);
  const cli = [process.execPath, '--import', TSX, RUN_CLI, ...args].map(quoted).join(' ');
  const command = `cd ${quoted(cwd)} && env -u CI ${vars.join(' ')} ${cli}; echo EXIT=$?; sleep 60`;
  const tmux = (...a: string[]) => execFileSync('tmux', ['-L', socket, ...a], { encoding: 'utf8' });
  tmux('new-session', '-d', '-s', 'cli', '-x', '200', '-y', '50', command);
  return {
    async screen(what) {
      for (let i = 0; i < 300; i++) {
        const text = tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', 'cli');
        if (what.test(text)) return text;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(
        `the terminal never showed ${what}:\n${tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', 'cli')}`,
      );
    },
    keys: (...keys) => void tmux('send-keys', '-t', 'cli', ...keys),
    close: () => void spawnSync('tmux', ['-L', socket, 'kill-server']),
  };
}
