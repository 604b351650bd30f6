import { passwordsIn, removeSecret, withoutRegisteredSecrets } from '../db/secrets.js';

/** Where a command writes, and what kind of terminal it talks to. Injected so tests capture output. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stdout is a terminal and CI is not set: interactive rendering and prompts are allowed. */
  interactive: boolean;
  color: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function processIo(): Io {
  const ci =
    process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false' && process.env.CI !== '0';
  const interactive = Boolean(process.stdout.isTTY && process.stdin.isTTY) && !ci;
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    interactive,
    color: Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined && process.env.FORCE_COLOR !== '0',
    env: process.env,
    cwd: process.cwd(),
  };
}

export interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

export function paint(enabled: boolean): Paint {
  const id = (s: string) => s;
  if (!enabled) return { bold: id, dim: id, red: id, yellow: id, green: id, cyan: id };
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    green: wrap(32, 39),
    cyan: wrap(36, 39),
  };
}

/** Options whose value may be a connection URL with a password (`--database URL` or `--database=URL`). */
const URL_OPTIONS = new Set(['--database', '--replica', '--schema-from']);

/** Every spelling of every password given on the command line or in DATABASE_URL. */
export function secretsOf(argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const values: string[] = [];
  argv.forEach((arg, i) => {
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0 && URL_OPTIONS.has(arg.slice(0, eq))) values.push(arg.slice(eq + 1));
    else if (URL_OPTIONS.has(argv[i - 1] ?? '') || /:\/\/|password|pwd/i.test(arg)) values.push(arg);
  });
  if (env.DATABASE_URL) values.push(env.DATABASE_URL);
  return [...new Set(values.flatMap((v) => passwordsIn(v)))].sort((a, b) => b.length - a.length);
}

/**
 * `io` with every password it could know about removed from everything written through it: the
 * last line of defence, so that no message (a driver's, a library's, ours) can print one.
 */
export function redactingIo(io: Io, secrets: readonly string[]): Io {
  // Passwords the runner learns later (a foreign server's, from the environment) are registered, and removed too.
  const scrub = (text: string) =>
    withoutRegisteredSecrets(secrets.reduce((out, secret) => removeSecret(out, secret), text));
  return { ...io, out: (text) => io.out(scrub(text)), err: (text) => io.err(scrub(text)) };
}
