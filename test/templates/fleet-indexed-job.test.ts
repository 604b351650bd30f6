/**
 * templates/k8s/fleet-advance-indexed-job.yaml and templates/k8s/targets.example.yaml: the Indexed Job
 * shape (one pod per target, the index selecting it, URLs from a Secret, targets from a ConfigMap),
 * the options its command uses exist in `advance --help`, the sample targets file matches the Job,
 * and — when kubectl is installed and a cluster answers — `kubectl apply --dry-run=client`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { main } from '../../src/cli/main.js';
import { TEMPLATES_DIR } from '../../src/cli/new-command.js';
import { captureIo } from '../support/capture-io.js';
import { kubectlDryRunAccepts } from '../support/kubectl.js';

const DIR = join(TEMPLATES_DIR, 'k8s');
const JOB_FILE = 'fleet-advance-indexed-job.yaml';
const TARGETS_FILE = 'targets.example.yaml';
const CANARY_FILE = 'fleet-advance-canary-job.yaml';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const INDEX_ANNOTATION = "metadata.annotations['batch.kubernetes.io/job-completion-index']";

interface Container {
  name: string;
  image: string;
  command: string[];
  workingDir: string;
  env: { name: string; value?: unknown; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  envFrom: { secretRef?: { name: string } }[];
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  resources: { requests: Record<string, string>; limits: { memory: string } };
  securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
}
interface IndexedJob {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    completionMode: string;
    completions: number;
    parallelism: number;
    backoffLimitPerIndex: number;
    maxFailedIndexes: number;
    activeDeadlineSeconds: number;
    podFailurePolicy: { rules: Record<string, unknown>[] };
    template: {
      spec: {
        restartPolicy: string;
        securityContext: { runAsNonRoot: boolean };
        containers: Container[];
        volumes: { name: string; configMap?: { name: string } }[];
      };
    };
  };
}
interface Targets {
  targets: { name: string; url_env: string; group?: string }[];
}

function loadYaml<T>(file: string): { text: string; doc: T } {
  const text = readFileSync(join(DIR, file), 'utf8');
  const docs = YAML.parseAllDocuments(text);
  expect(docs).toHaveLength(1);
  expect(docs[0]?.errors).toEqual([]);
  return { text, doc: docs[0]?.toJS() as T };
}

function container(job: IndexedJob): Container {
  expect(job.spec.template.spec.containers).toHaveLength(1);
  return job.spec.template.spec.containers[0] as Container;
}

/** The value that follows `option` in the command (the option must be there, once). */
function argOf(command: string[], option: string): string | undefined {
  expect(command.filter((a) => a === option)).toHaveLength(1);
  return command[command.indexOf(option) + 1];
}

describe('templates/k8s/fleet-advance-indexed-job.yaml', () => {
  it('is one batch/v1 Indexed Job that halts on the first failure: no retry of an index, one failed index fails the Job', () => {
    const { doc } = loadYaml<IndexedJob>(JOB_FILE);
    expect(doc).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job' });
    expect(doc.metadata.name).toMatch(DNS_LABEL);
    const spec = doc.spec;
    expect(spec.completionMode).toBe('Indexed');
    expect(spec.completions).toBeGreaterThanOrEqual(1);
    expect(spec.parallelism).toBeGreaterThanOrEqual(1);
    expect(spec.parallelism).toBeLessThanOrEqual(spec.completions);
    // A retried index would let other indexes start while it retries: the fleet must stop instead.
    expect(spec.backoffLimitPerIndex).toBe(0);
    expect(spec.maxFailedIndexes).toBe(0);
    expect(spec.activeDeadlineSeconds).toEqual(expect.any(Number));
    expect(spec.podFailurePolicy.rules[0]).toEqual({
      action: 'FailJob',
      onExitCodes: { containerName: container(doc).name, operator: 'In', values: [2, 3] },
    });
    expect(spec.podFailurePolicy.rules.slice(1)).toEqual([
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    ]);
  });

  it('runs advance for the target at $(JOB_COMPLETION_INDEX), without a shell, as non-root on a read-only root', () => {
    const { doc } = loadYaml<IndexedJob>(JOB_FILE);
    const pod = doc.spec.template.spec;
    const c = container(doc);
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(c.image).toMatch(/^[\w.-]+(\/[\w.-]+)+:\d+\.\d+\.\d+$/);
    expect(c.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(c.resources.limits.memory).toEqual(expect.any(String));
    expect(c.command.slice(0, 2)).toEqual(['schemashift', 'advance']);
    expect(c.command).not.toContain('sh');
    expect(argOf(c.command, '--target-index')).toBe('$(JOB_COMPLETION_INDEX)');
    expect(argOf(c.command, '--targets')).toBe('/config/targets.yaml');
    expect(argOf(c.command, '--phase')).toMatch(/^(expand|migrate|contract)$/);
    expect(c.command).toContain('--yes');
    // Human lines in the pod's log, as each target goes: --json would hold them back until the end.
    expect(c.command).not.toContain('--json');
    // $(VAR) in a command is expanded from the container's own env: the variable is declared there.
    const index = c.env.find((e) => e.name === 'JOB_COMPLETION_INDEX');
    expect(index?.valueFrom?.fieldRef?.fieldPath).toBe(INDEX_ANNOTATION);
    expect(c.env.some((e) => typeof e.value === 'string' && /:\/\//.test(e.value))).toBe(false);
  });

  it('takes the URLs from a Secret (envFrom), the targets from a ConfigMap at /config, the plan where the command reads it', () => {
    const { doc } = loadYaml<IndexedJob>(JOB_FILE);
    const pod = doc.spec.template.spec;
    const c = container(doc);
    expect(c.envFrom).toEqual([{ secretRef: { name: 'schemashift-fleet-urls' } }]);
    const mounts = new Map(c.volumeMounts.map((m) => [m.name, m]));
    const volumes = new Map(pod.volumes.map((v) => [v.name, v]));
    expect([...mounts.keys()].sort()).toEqual([...volumes.keys()].sort());
    expect(mounts.get('targets')).toEqual({ name: 'targets', mountPath: '/config', readOnly: true });
    expect(volumes.get('targets')?.configMap).toEqual({ name: 'schemashift-fleet-targets' });
    expect(volumes.get('plans')?.configMap).toEqual({ name: 'schemashift-plans' });
    const plan = `${c.workingDir}/${c.command[2]}`;
    expect(plan.startsWith(`${mounts.get('plans')?.mountPath}/`)).toBe(true);
  });

  it('says at the top: one pod per target, the index selects it, parallelism is the concurrency, canary first as its own Job', () => {
    const { text } = loadYaml<IndexedJob>(JOB_FILE);
    const header = text.slice(0, text.indexOf('apiVersion:'));
    expect(header).toContain('one pod per target');
    expect(header).toContain('--target-index $(JOB_COMPLETION_INDEX)');
    expect(header).toMatch(/parallelism = the fleet's concurrency/);
    expect(header).toContain('LIMITATION');
    expect(header).toContain('`--only canary`');
    expect(header).toContain('kubectl wait --for=condition=complete');
    expect(header).toMatch(/completions = the number of targets in targets\.yaml .* MUST match/);
    expect(header).toMatch(/fewer and the last targets are never advanced/);
    expect(header).toMatch(/backoffLimitPerIndex: 0 .*\n.*no other index starts/);
    expect(header).toContain('Pod logs: the command prints human lines');
  });

  it('matches targets.example.yaml: one index per target, each url_env a key of the Secret it says to create', () => {
    const { doc: job, text } = loadYaml<IndexedJob>(JOB_FILE);
    const { doc } = loadYaml<Targets>(TARGETS_FILE);
    expect(Object.keys(doc)).toEqual(['targets']);
    expect(doc.targets).toHaveLength(job.spec.completions);
    expect(doc.targets.filter((t) => t.group === 'canary').map((t) => t.name)).toEqual(['shard-1']);
    for (const [i, t] of doc.targets.entries()) {
      expect(t).toEqual({
        name: `shard-${i + 1}`,
        url_env: `SHARD_${i + 1}_URL`,
        ...(t.group ? { group: 'canary' } : {}),
      });
      expect(text).toContain(`--from-literal=${t.url_env}=`);
    }
    expect(readFileSync(join(DIR, TARGETS_FILE), 'utf8')).not.toMatch(/:\/\//);
  });

  it('the fleet loader accepts targets.example.yaml (when src/fleet is present)', async () => {
    const loader = join(import.meta.dirname, '../../src/fleet/targets.ts');
    if (!existsSync(loader)) {
      console.log(
        '!!! SKIPPING the fleet loader check of targets.example.yaml: src/fleet/targets.ts is not on this branch !!!',
      );
      return;
    }
    const { loadTargets } = (await import(loader)) as {
      loadTargets: (file: string, cwd: string) => { name: string; urlEnv: string; group?: string }[];
    };
    expect(loadTargets(TARGETS_FILE, DIR)).toEqual([
      { name: 'shard-1', urlEnv: 'SHARD_1_URL', group: 'canary' },
      { name: 'shard-2', urlEnv: 'SHARD_2_URL' },
      { name: 'shard-3', urlEnv: 'SHARD_3_URL' },
    ]);
  });

  it('every option its command uses is one `advance --help` lists (once the fleet options are in the CLI)', async () => {
    const { doc } = loadYaml<IndexedJob>(JOB_FILE);
    const help = captureIo();
    expect(await main(['advance', '--help'], help)).toBe(0);
    if (!help.stdout().includes('--targets')) {
      console.log(
        '!!! SKIPPING the option check of fleet-advance-indexed-job.yaml: `advance --help` has no --targets on this branch !!!',
      );
      return;
    }
    const canary = loadYaml<IndexedJob>(CANARY_FILE).doc;
    for (const option of [...container(doc).command, ...container(canary).command].filter((a) => a.startsWith('--'))) {
      expect(help.stdout()).toContain(option);
    }
  });

  it('fleet-advance-canary-job.yaml is the same pod running `--only canary` for the same phase, as a plain Job', () => {
    const indexed = loadYaml<IndexedJob>(JOB_FILE).doc;
    const { doc, text } = loadYaml<IndexedJob>(CANARY_FILE);
    expect(doc).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'schemashift-fleet-canary' } });
    expect(doc.spec.completionMode).toBeUndefined();
    expect(doc.spec.podFailurePolicy.rules).toEqual(indexed.spec.podFailurePolicy.rules);
    // A retried canary would hold the fleet back and then run again after a failed step.
    expect((doc.spec as unknown as { backoffLimit: number }).backoffLimit).toBe(0);
    expect(text).toContain('--cascade=foreground --wait');
    const { command, env, ...rest } = container(doc);
    const { command: indexedCommand, env: indexedEnv, ...indexedRest } = container(indexed);
    expect(rest).toEqual(indexedRest);
    expect(env).toEqual(indexedEnv.filter((e) => e.name !== 'JOB_COMPLETION_INDEX'));
    const at = indexedCommand.indexOf('--target-index');
    expect(command).toEqual([...indexedCommand.slice(0, at), '--only', 'canary', ...indexedCommand.slice(at + 2)]);
    expect(doc.spec.template.spec.volumes).toEqual(indexed.spec.template.spec.volumes);
    expect(text).toContain('kubectl wait --for=condition=complete --timeout=1h job/schemashift-fleet-canary');
  });

  it('kubectl apply --dry-run=client accepts both (when kubectl is installed and a cluster answers)', () => {
    kubectlDryRunAccepts(
      JOB_FILE,
      [JOB_FILE, CANARY_FILE].map((file) => ({ file: join(DIR, file) })),
    );
  });
});
