/**
 * A scratch project that depends on the packed schemashift, as a user's project would: `npm pack`
 * of the repository (its `files` and `exports` decide what a user gets), unpacked into the project's
 * node_modules/schemashift. The package's own dependencies are symlinks to the repository's
 * node_modules: this registry cannot install offline from the tarball (npm ci caches no metadata).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    newest = Math.max(newest, statSync(join(dir, name)).mtimeMs);
  }
  return newest;
}

/** `npm test` builds first; a direct vitest run on a missing or stale dist builds it here. */
export function ensureBuilt(): void {
  const entry = join(repoRoot, 'dist', 'index.js');
  const built = (() => {
    try {
      return statSync(entry).mtimeMs;
    } catch {
      return 0;
    }
  })();
  if (built < newestMtime(join(repoRoot, 'src')))
    execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'pipe' });
}

function linkDependencies(modules: string): void {
  const source = join(repoRoot, 'node_modules');
  for (const name of readdirSync(source)) {
    if (name === 'schemashift' || name.startsWith('.')) continue;
    symlinkSync(join(source, name), join(modules, name), 'dir');
  }
}

/** The scratch project's folder: package.json, node_modules/schemashift from the tarball, dependencies. */
export function scratchProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'schemashift-package-'));
  execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], {
    cwd: repoRoot,
    stdio: 'pipe',
  });
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`npm pack left no tarball in ${dir}`);
  const project = join(dir, 'project');
  const installed = join(project, 'node_modules', 'schemashift');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(dir, tarball), '-C', installed, '--strip-components=1']);
  linkDependencies(join(project, 'node_modules'));
  const manifest = {
    name: 'scratch',
    private: true,
    type: 'module',
    dependencies: { schemashift: `file:../${tarball}` },
  };
  writeFileSync(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return project;
}
