/**
 * templates/k8s/refresh-cronjob.yaml and `schemashift new refresh-cronjob`: the CronJob shape a
 * scheduled refresh needs (Forbid, a starting deadline, the URL from a Secret, limits, non-root),
 * the generated file with the given views, schedule and name, and every value that could change the
 * document's shape refused (exit 2, nothing written). kubectl checks it when a cluster answers.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { main } from '../../src/cli/main.js';
import { TEMPLATES_DIR } from '../../src/cli/new-command.js';
import { refreshStatementTimeout } from '../../src/cli/new-refresh-cronjob.js';
import { emptyDir } from '../cli/cli-support.js';
import { captureIo } from '../support/capture-io.js';
import { kubectlDryRunAccepts } from '../support/kubectl.js';

interface CronJob {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    schedule: string;
    timeZone: string;
    concurrencyPolicy: string;
    startingDeadlineSeconds: number;
    successfulJobsHistoryLimit: number;
    failedJobsHistoryLimit: number;
    jobTemplate: { spec: Record<string, unknown> & { template: { spec: Record<string, unknown> } } };
  };
}
type Container = {
  name: string;
  command: string[];
  env: { name: string; valueFrom?: unknown; value?: unknown }[];
  securityContext: Record<string, unknown>;
  resources: { limits: { memory: string } };
};

function parse(text: string): CronJob {
  const docs = YAML.parseAllDocuments(text);
  expect(docs).toHaveLength(1);
  expect(docs[0]!.errors).toEqual([]);
  return docs[0]!.toJS() as CronJob;
}
const containerOf = (job: CronJob) => (job.spec.jobTemplate.spec.template.spec.containers as Container[])[0]!;

function checkShape(job: CronJob): Container {
  expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'CronJob', spec: { concurrencyPolicy: 'Forbid' } });
  expect(job.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  expect(job.spec.startingDeadlineSeconds).toBeGreaterThan(0);
  expect(job.spec.successfulJobsHistoryLimit).toBeGreaterThan(0);
  expect(job.spec.failedJobsHistoryLimit).toBeGreaterThan(0);
  const jobSpec = job.spec.jobTemplate.spec;
  expect(jobSpec.backoffLimit).toEqual(expect.any(Number));
  expect(jobSpec.activeDeadlineSeconds).toEqual(expect.any(Number));
  expect(jobSpec.podFailurePolicy).toEqual({
    rules: [{ action: 'FailJob', onExitCodes: { containerName: 'schemashift', operator: 'In', values: [2, 3] } }],
  });
  const pod = jobSpec.template.spec;
  expect(pod).toMatchObject({ restartPolicy: 'Never', securityContext: { runAsNonRoot: true } });
  const container = containerOf(job);
  expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
  expect(container.resources.limits.memory).toEqual(expect.any(String));
  expect(container.env.find((e) => e.name === 'DATABASE_URL')).toEqual({
    name: 'DATABASE_URL',
    valueFrom: { secretKeyRef: { name: 'schemashift-database', key: 'DATABASE_URL' } },
  });
  expect(container.command.slice(0, 2)).toEqual(['schemashift', 'refresh']);
  expect(container.command.slice(-3)).toEqual(['--concurrently', 'auto', '--json']);
  return container;
}

async function generate(...args: string[]) {
  const dir = emptyDir('schemashift-cronjob-');
  const io = captureIo(dir);
  const code = await main(['new', 'refresh-cronjob', ...args], io);
  const k8s = join(dir, 'k8s');
  const files = existsSync(k8s) ? readdirSync(k8s) : [];
  return { code, out: io.stdout(), err: io.stderr(), files, read: (f: string) => readFileSync(join(k8s, f), 'utf8') };
}

describe('templates/k8s/refresh-cronjob.yaml', () => {
  it('is one CronJob with Forbid, a starting deadline, the URL from a Secret, limits and a non-root pod', () => {
    const container = checkShape(parse(readFileSync(join(TEMPLATES_DIR, 'k8s', 'refresh-cronjob.yaml'), 'utf8')));
    expect(container.command).toEqual([
      'schemashift',
      'refresh',
      'daily_usage_matview',
      '--statement-timeout',
      '45m',
      '--concurrently',
      'auto',
      '--json',
    ]);
  });
});

describe('the statement timeout under the Job deadline', () => {
  it.each([
    [3000, 1, '45m'],
    [3000, 2, '1350s'],
    [3000, 3, '15m'],
    [600, 1, '9m'],
  ])('activeDeadlineSeconds %i, %i view(s): --statement-timeout %s, the views together under 90%% of it', (d, n, t) => {
    expect(refreshStatementTimeout(d, n)).toBe(t);
  });
});

describe('schemashift new refresh-cronjob', () => {
  it('writes k8s/<name>.yaml with the views (each one argument), the schedule and the name', async () => {
    const run = await generate(
      '--view',
      'daily_usage_matview',
      '--view',
      'sales.Ventas$Diarias',
      '--schedule',
      '*/30 * * * *',
    );
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.files).toEqual(['schemashift-refresh-daily-usage-matview.yaml']);
    expect(run.out).toContain(
      'wrote k8s/schemashift-refresh-daily-usage-matview.yaml (CronJob schemashift-refresh-daily-usage-matview',
    );
    const text = run.read(run.files[0]!);
    const job = parse(text);
    expect(job.metadata.name).toBe('schemashift-refresh-daily-usage-matview');
    expect(job.spec.schedule).toBe('*/30 * * * *');
    expect(checkShape(job).command).toEqual([
      'schemashift',
      'refresh',
      'daily_usage_matview',
      'sales.Ventas$Diarias',
      '--statement-timeout',
      '1350s',
      '--concurrently',
      'auto',
      '--json',
    ]);
    expect(run.out).toContain('sales.Ventas$Diarias --statement-timeout 1350s --concurrently auto --json');
    expect(text).toContain('command: ["schemashift", "refresh", "daily_usage_matview", "sales.Ventas$Diarias"');
  });

  it('takes --name and the default schedule, and refuses to overwrite without --force', async () => {
    const run = await generate('--view', 'v', '--name', 'refresh-v');
    expect(run.code).toBe(0);
    // One view: its refresh is cancelled by the server (45m) before Kubernetes' deadline (50m) kills the pod.
    const job = parse(run.read('refresh-v.yaml'));
    expect(job.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(3000);
    expect(containerOf(job).command).toEqual([
      ...['schemashift', 'refresh', 'v', '--statement-timeout', '45m'],
      ...['--concurrently', 'auto', '--json'],
    ]);
    expect(parse(run.read('refresh-v.yaml'))).toMatchObject({
      metadata: { name: 'refresh-v' },
      spec: { schedule: '0 * * * *' },
    });
  });

  it.each([
    [['--view', 'x: y'], /--view "x: y": `x: y` is not a valid table name/],
    [['--view', 'v\nevil: 1'], /is not a valid table name/],
    [['--view', '--database=postgres://evil'], /is not a valid table name/],
    [['--view', 'v', '--schedule', '0 * * * *\nevil: 1'], /a cron schedule has 5 fields/],
    [['--view', 'v', '--schedule', '@reboot'], /@reboot means nothing to Kubernetes/],
    [['--view', 'v', '--schedule', '0 0 * * * *'], /has 6/],
    [['--view', 'v', '--schedule', '61 * * * *'], /minute 61 is outside 0-59/],
    [['--view', 'v', '--name', 'Refresh_V'], /not a CronJob name/],
    [['--view', 'v', '--name', 'a'.repeat(53)], /at most 52 characters/],
    [['--view', 'v', '--table', 't'], /does not use --table/],
    [['--view', 'v', '--dialect', 'mssql'], /for PostgreSQL materialized views/],
    [[], /needs --view V/],
  ])('%j: refused, exit 2, nothing written', async (args, message) => {
    const run = await generate(...args);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(message);
    expect(run.files).toEqual([]);
  });

  it('is listed by new --list; plan templates still take one --view and no --schedule', async () => {
    const list = captureIo();
    expect(await main(['new', '--list'], list)).toBe(0);
    expect(list.stdout()).toContain('refresh-cronjob            --view V [--view W] [--schedule CRON]');
    const io = captureIo(emptyDir());
    expect(await main(['new', 'replace-materialized-view', '--view', 'a', '--view', 'b'], io)).toBe(2);
    expect(io.stderr()).toContain('takes one --view (given 2)');
  });

  it('runs options that `schemashift refresh` has (when this build has the command)', async () => {
    const help = captureIo();
    const code = await main(['refresh', '--help'], help);
    if (code !== 0 || !help.stdout().startsWith('Usage: schemashift refresh')) {
      console.log('!!! SKIPPING the check of `refresh` options: this build has no `schemashift refresh` command !!!');
      return;
    }
    for (const option of ['--concurrently', '--json', '--statement-timeout']) expect(help.stdout()).toContain(option);
  });

  it('kubectl apply --dry-run=client accepts a generated one (when kubectl is installed and a cluster answers)', async () => {
    const run = await generate('--view', 'daily_usage_matview');
    const file = run.files[0]!;
    kubectlDryRunAccepts('refresh-cronjob', [{ text: run.read(file), name: file }]);
  });
});
