/**
 * The Kubernetes manifests in templates/k8s: valid YAML of the expected shape, commands that the CLI
 * knows, and — when kubectl is installed and a cluster answers — `kubectl apply --dry-run=client`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { main } from '../../src/cli/main.js';
import { TEMPLATES_DIR } from '../../src/cli/new-command.js';
import { captureIo } from '../support/capture-io.js';
import { kubectlDryRunAccepts } from '../support/kubectl.js';

const DIR = join(TEMPLATES_DIR, 'k8s');
const MANIFESTS = ['advance-job.yaml', 'advance-cronjob.yaml', 'status-job.yaml'];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The parts of the manifests the tests read (as parsed from YAML: the test checks the shapes). */
interface Container {
  name: string;
  image: string;
  command: string[];
  workingDir?: string;
  resources: { requests: Record<string, string>; limits: { memory: string } };
  env: { name: string; value?: unknown; valueFrom?: { secretKeyRef: Record<string, string> } }[];
  volumeMounts: { name: string; mountPath: string }[];
}
interface PodSpec {
  restartPolicy: string;
  containers: Container[];
  volumes: { name: string; configMap?: unknown }[];
}
interface JobSpec {
  backoffLimit: number;
  activeDeadlineSeconds: number;
  template: { spec: PodSpec };
  podFailurePolicy?: { rules: unknown[] };
}
interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: JobSpec & { schedule: string; concurrencyPolicy: string; jobTemplate: { spec: JobSpec } };
}

function load(file: string): { text: string; doc: Doc } {
  const text = readFileSync(join(DIR, file), 'utf8');
  const docs = YAML.parseAllDocuments(text);
  expect(docs).toHaveLength(1);
  expect(docs[0]?.errors).toEqual([]);
  return { text, doc: docs[0]?.toJS() as Doc };
}

/** The Job spec of a Job, or of a CronJob's jobTemplate. */
function jobSpec(doc: Doc): JobSpec {
  return doc.kind === 'CronJob' ? doc.spec.jobTemplate.spec : doc.spec;
}

function checkJob(job: JobSpec): Container {
  expect(job.backoffLimit).toEqual(expect.any(Number));
  expect(job.activeDeadlineSeconds).toEqual(expect.any(Number));
  const pod = job.template.spec;
  expect(pod.restartPolicy).toBe('Never');
  expect(pod.containers).toHaveLength(1);
  const container = pod.containers[0] as Container;
  expect(container.name).toMatch(DNS_LABEL);
  expect(container.image).toMatch(/^[\w.-]+(\/[\w.-]+)+:\d+\.\d+\.\d+$/);
  expect(container.command[0]).toBe('schemashift');
  expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
  expect(container.resources.limits.memory).toEqual(expect.any(String));
  const url = container.env.find((e) => e.name === 'DATABASE_URL');
  expect(url?.valueFrom?.secretKeyRef).toEqual({ name: 'schemashift-database', key: 'DATABASE_URL' });
  expect(container.env.some((e) => typeof e.value === 'string' && e.value.includes('postgres://'))).toBe(false);
  const mounts = new Map(container.volumeMounts.map((m) => [m.name, m]));
  for (const volume of pod.volumes) expect(mounts.has(volume.name)).toBe(true);
  if (job.podFailurePolicy) {
    expect(job.podFailurePolicy.rules[0]).toMatchObject({
      action: 'FailJob',
      onExitCodes: { containerName: container.name, operator: 'In', values: [2, 3] },
    });
  }
  return container;
}

/** An advance container: the plan comes from the ConfigMap mounted where the command looks for it, and it does not confirm gates itself. */
function checkAdvance(container: Container, pod: PodSpec, text: string): void {
  expect(container.command.slice(0, 2)).toEqual(['schemashift', 'advance']);
  expect(container.command).not.toContain('--yes');
  expect(text).toContain(`# command: ${JSON.stringify([...container.command, '--yes']).replaceAll(',', ', ')}`);
  const plans = container.volumeMounts.find((m) => m.name === 'plans');
  expect(`${container.workingDir}/${container.command[2]}`.startsWith(`${plans?.mountPath}/`)).toBe(true);
  expect(pod.volumes.find((v) => v.name === 'plans')?.configMap).toEqual({ name: 'schemashift-plans' });
}

describe('templates/k8s', () => {
  it.each(MANIFESTS)('%s is one valid batch/v1 document with sane names, image, command, env and limits', (file) => {
    const { doc } = load(file);
    expect(doc.apiVersion).toBe('batch/v1');
    expect(doc.metadata.name).toMatch(DNS_LABEL);
    checkJob(jobSpec(doc));
  });

  it('advance-job.yaml runs `advance` without --yes (gates stop it with exit 0) and shows the --yes variant', () => {
    const { doc, text } = load('advance-job.yaml');
    expect(doc.kind).toBe('Job');
    checkAdvance(checkJob(doc.spec), doc.spec.template.spec, text);
  });

  it('advance-cronjob.yaml has the CronJob shape with concurrencyPolicy: Forbid, and says a second runner would exit 3 anyway', () => {
    const { doc, text } = load('advance-cronjob.yaml');
    expect(doc.kind).toBe('CronJob');
    expect(doc.spec.schedule.split(' ')).toHaveLength(5);
    expect(doc.spec.concurrencyPolicy).toBe('Forbid');
    const job = jobSpec(doc);
    checkAdvance(checkJob(job), job.template.spec, text);
    expect(text).toContain('exit 3');
  });

  it('status-job.yaml runs `status --json`', () => {
    const { doc } = load('status-job.yaml');
    expect(doc.kind).toBe('Job');
    expect(checkJob(doc.spec).command).toEqual(['schemashift', 'status', '--json']);
  });

  it('the commands they run exist with those options (status --json answers on an empty database)', async () => {
    for (const file of MANIFESTS) {
      const command = checkJob(jobSpec(load(file).doc)).command;
      const help = captureIo();
      expect(await main([command[1] as string, '--help'], help)).toBe(0);
      const options = [
        ...command.slice(2).filter((a) => a.startsWith('--')),
        ...(command[1] === 'advance' ? ['--yes'] : []),
      ];
      for (const option of options) expect(help.stdout()).toContain(option);
    }
    const io = captureIo(process.cwd(), { DATABASE_URL: 'pglite://memory' });
    expect(await main(['status', '--json'], io)).toBe(0);
    expect(JSON.parse(io.stdout())).toMatchObject({ version: 1, plans: [] });
  });

  it('kubectl apply --dry-run=client accepts them (when kubectl is installed and a cluster answers)', () => {
    kubectlDryRunAccepts(
      'templates/k8s',
      MANIFESTS.map((file) => ({ file: join(DIR, file) })),
    );
  });
});
