import type { Io } from '../../src/cli/io.js';

export interface CapturedIo extends Io {
  stdout: () => string;
  stderr: () => string;
}

export function captureIo(cwd = process.cwd(), env: NodeJS.ProcessEnv = {}): CapturedIo {
  let out = '';
  let err = '';
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    interactive: false,
    color: false,
    env,
    cwd,
    stdout: () => out,
    stderr: () => err,
  };
}
