/**
 * `kubectl apply --dry-run=client` on a manifest, or a loud skip: client-side dry-run still needs an API
 * server's discovery, so without kubectl or without a cluster the manifest is checked as YAML only.
 */
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';

const NO_CLUSTER =
  /connection refused|unable to recognize|failed to download openapi|no configuration has been provided|Unable to connect/i;

/** A manifest by file path, or its text. */
export type Manifest = { file: string } | { text: string; name: string };

/**
 * Asserts kubectl accepts every manifest; returns false (after printing why) when it could not be asked.
 * `what` names the manifests in the skip message.
 */
export function kubectlDryRunAccepts(what: string, manifests: Manifest[]): boolean {
  const which = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8', timeout: 20_000 });
  if (which.error || which.status !== 0) {
    console.log(
      `!!! SKIPPING kubectl apply --dry-run=client on ${what}: kubectl is not installed; checked as YAML only !!!`,
    );
    return false;
  }
  for (const manifest of manifests) {
    const r = spawnSync('kubectl', ['apply', '--dry-run=client', '-f', 'file' in manifest ? manifest.file : '-'], {
      ...('text' in manifest ? { input: manifest.text } : {}),
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status !== 0 && NO_CLUSTER.test(r.stderr)) {
      console.log(
        `!!! SKIPPING kubectl apply --dry-run=client on ${what}: kubectl is installed but no cluster answers ` +
          `(client-side dry-run still needs the API server's discovery): ${r.stderr.split('\n')[0]} !!!`,
      );
      return false;
    }
    expect(r.stderr, 'file' in manifest ? manifest.file : manifest.name).toBe('');
    expect(r.stdout).toMatch(/configured|created|unchanged/);
  }
  return true;
}
