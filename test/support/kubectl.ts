/**
 * Every manifest is checked against the Kubernetes API schema (kubernetes-models: the OpenAPI
 * definitions of the API server, required fields and types included), then by `kubectl apply
 * --dry-run=client` when kubectl can ask a cluster's discovery, else that second check is skipped loudly.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { parseAllDocuments } from 'yaml';
import { expect } from 'vitest';

const MODELS: Record<string, new (data: never) => { validate(): void }> = { Job, CronJob };

/** Throws, naming the manifest and the field, unless every document is valid for its kind's API schema. */
export function expectValidForKubernetesSchema(manifest: Manifest): void {
  const name = 'file' in manifest ? manifest.file : manifest.name;
  const text = 'file' in manifest ? readFileSync(manifest.file, 'utf8') : manifest.text;
  for (const doc of parseAllDocuments(text)) {
    const object = doc.toJSON() as { kind?: string } | null;
    if (object === null) continue;
    const Model = MODELS[object.kind ?? ''];
    expect(Model, `${name}: no schema model for kind ${object.kind}`).toBeDefined();
    expect(() => new Model!(object as never).validate(), name).not.toThrow();
  }
}

const NO_CLUSTER =
  /connection refused|unable to recognize|failed to download openapi|no configuration has been provided|Unable to connect/i;

/** A manifest by file path, or its text. */
export type Manifest = { file: string } | { text: string; name: string };

/**
 * Asserts kubectl accepts every manifest; returns false (after printing why) when it could not be asked.
 * `what` names the manifests in the skip message.
 */
export function kubectlDryRunAccepts(what: string, manifests: Manifest[]): boolean {
  for (const manifest of manifests) expectValidForKubernetesSchema(manifest);
  const which = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8', timeout: 20_000 });
  if (which.error || which.status !== 0) {
    console.log(
      `!!! SKIPPING kubectl apply --dry-run=client on ${what}: kubectl is not installed; checked against the API schema only !!!`,
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
          `(client-side dry-run still needs the API server's discovery), checked against the API schema only: ${r.stderr.split('\n')[0]} !!!`,
      );
      return false;
    }
    expect(r.stderr, 'file' in manifest ? manifest.file : manifest.name).toBe('');
    expect(r.stdout).toMatch(/configured|created|unchanged/);
  }
  return true;
}
