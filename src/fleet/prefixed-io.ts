import type { Io } from '../cli/io.js';

/**
 * A target's view of the terminal: every complete line prefixed with `[name] `, never interactive (the
 * fleet asks its one confirmation itself), and its env carrying only this target's database URL.
 */
export function prefixedIo(io: Io, name: string, url: string): Io & { flush(): void } {
  const pending = { out: '', err: '' };
  const emit = (kind: 'out' | 'err', text: string) => {
    const buffered = pending[kind] + text;
    const cut = buffered.lastIndexOf('\n');
    pending[kind] = cut < 0 ? buffered : buffered.slice(cut + 1);
    if (cut < 0) return;
    const lines = buffered.slice(0, cut).split('\n');
    io[kind](lines.map((l) => `[${name}] ${l}\n`).join(''));
  };
  return {
    out: (text) => emit('out', text),
    err: (text) => emit('err', text),
    interactive: false,
    color: io.color,
    env: { ...io.env, DATABASE_URL: url },
    cwd: io.cwd,
    flush() {
      if (pending.out) emit('out', '\n');
      if (pending.err) emit('err', '\n');
    },
  };
}

/** A target's output kept to itself (JSON mode: the fleet prints one document). */
export function capturedIo(io: Io, url: string): Io & { stdout(): string; stderr(): string } {
  let out = '';
  let err = '';
  return {
    out: (text) => void (out += text),
    err: (text) => void (err += text),
    interactive: false,
    color: false,
    env: { ...io.env, DATABASE_URL: url },
    cwd: io.cwd,
    stdout: () => out,
    stderr: () => err,
  };
}
