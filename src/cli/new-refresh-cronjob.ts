/**
 * `new refresh-cronjob --view V [--view W] [--schedule CRON] [--name N] [--out DIR]`: a Kubernetes
 * CronJob running `schemashift refresh` from templates/k8s/refresh-cronjob.yaml, written to
 * k8s/<name>.yaml. The template is parsed and its fields set as YAML nodes (never text spliced), and
 * every value is validated first: views as table names, the schedule as a cron expression Kubernetes
 * runs, the name as a CronJob name. So no value can add a key, a document or an argument.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import YAML from 'yaml';
import { splitQualified } from '../dialects/dialect.js';
import { dialectNamed } from '../dialects/registry.js';
import { UsageError } from '../errors.js';
import { cronScheduleProblem } from '../operations/schedule-refresh.js';
import { qualifiedName, withPlanDialect } from '../plan/primitives.js';
import type { Io } from './io.js';

export const REFRESH_CRONJOB = 'refresh-cronjob';
export const REFRESH_CRONJOB_SUMMARY =
  'a Kubernetes CronJob running `schemashift refresh` on the views (concurrencyPolicy: Forbid, URL from a Secret)';
const DEFAULT_SCHEDULE = '0 * * * *';
/** A CronJob's name becomes its Jobs' names plus an 11-character suffix: 63 - 11. */
const MAX_CRONJOB_NAME = 52;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Options of `new` that only plan templates take. */
const PLAN_ONLY = ['table', 'column', 'to', 'type', 'references', 'columns', 'query', 'expression', 'database'];

export interface RefreshCronJobOptions {
  view?: string | string[];
  schedule?: string;
  name?: string;
  out?: string;
  force?: boolean;
  dialect?: string;
  [option: string]: unknown;
}

function viewsOf(opts: RefreshCronJobOptions): string[] {
  const views = [opts.view ?? []].flat();
  if (views.length === 0)
    throw new UsageError(
      `template ${REFRESH_CRONJOB} needs --view V (one or more)`,
      `e.g. schemashift new ${REFRESH_CRONJOB} --view daily_usage_matview --view sales.daily_totals`,
    );
  const problems = withPlanDialect(dialectNamed('postgres'), () =>
    views.flatMap((v) => {
      const r = qualifiedName.safeParse(v);
      return r.success ? [] : [`--view ${JSON.stringify(v)}: ${r.error.issues[0]?.message}`];
    }),
  );
  if (problems.length > 0)
    throw new UsageError(problems.join('\n'), 'a view name is letters, digits, _ and $, optionally schema-qualified');
  return [...new Set(views)];
}

/** Kubernetes takes five fields or the shorthands, but not @reboot (a cluster has no boot). */
function scheduleOf(opts: RefreshCronJobOptions): string {
  const schedule = opts.schedule ?? DEFAULT_SCHEDULE;
  const problem = schedule === '@reboot' ? '@reboot means nothing to Kubernetes' : cronScheduleProblem(schedule);
  if (problem)
    throw new UsageError(
      `--schedule ${JSON.stringify(schedule)}: ${problem}`,
      'write five fields, minute hour day-of-month month day-of-week, e.g. --schedule "0 * * * *", or @hourly',
    );
  return schedule;
}

function nameOf(opts: RefreshCronJobOptions, views: string[]): string {
  if (opts.name === undefined) {
    const base = splitQualified(views[0] ?? '').name.toLowerCase();
    const slug = `schemashift-refresh-${base}`.replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-');
    return slug.slice(0, MAX_CRONJOB_NAME).replace(/-+$/, '');
  }
  if (!DNS_LABEL.test(opts.name) || opts.name.length > MAX_CRONJOB_NAME)
    throw new UsageError(
      `--name ${JSON.stringify(opts.name)}: not a CronJob name (lowercase letters, digits and -, at most ` +
        `${MAX_CRONJOB_NAME} characters, starting and ending with a letter or digit)`,
      'e.g. --name refresh-daily-usage',
    );
  return opts.name;
}

function refuseOtherOptions(opts: RefreshCronJobOptions): void {
  const extra = PLAN_ONLY.filter((k) => opts[k] !== undefined);
  if (extra.length > 0)
    throw new UsageError(
      `template ${REFRESH_CRONJOB} does not use ${extra.map((k) => `--${k}`).join(', ')}`,
      `it takes --view V (repeatable), --schedule CRON, --name N, --out DIR, --force`,
    );
  if (opts.dialect !== undefined && opts.dialect !== 'postgres')
    throw new UsageError(
      `template ${REFRESH_CRONJOB} is for PostgreSQL materialized views (--dialect ${opts.dialect})`,
      'SQL Server keeps indexed views current on every write: there is nothing to refresh',
    );
}

function set(doc: YAML.Document, path: (string | number)[], value: unknown, flow = false): void {
  if (!doc.hasIn(path)) throw new Error(`internal: templates/k8s/${REFRESH_CRONJOB}.yaml has no ${path.join('.')}`);
  const node = doc.createNode(value);
  if (flow && YAML.isSeq(node)) {
    node.flow = true;
    for (const item of node.items) if (YAML.isScalar(item)) item.type = 'QUOTE_DOUBLE';
  }
  doc.setIn(path, node);
}

const CONTAINER = ['spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', 0];
const DEADLINE = ['spec', 'jobTemplate', 'spec', 'activeDeadlineSeconds'];
/** What the views' refreshes may take of the Job's deadline; the rest is for lock waits, retries and startup. */
const REFRESH_SHARE_OF_DEADLINE = 0.9;

/**
 * `--statement-timeout` for each refresh: the views share 90% of activeDeadlineSeconds, so the server
 * has cancelled a refresh before Kubernetes kills the pod at the deadline. A killed pod's REFRESH would
 * otherwise go on on the server, holding the view's advisory lock: the next tick would exit 3.
 */
export function refreshStatementTimeout(deadlineSeconds: number, views: number): string {
  if (!Number.isInteger(deadlineSeconds) || deadlineSeconds < 60)
    throw new Error(`internal: templates/k8s/${REFRESH_CRONJOB}.yaml has activeDeadlineSeconds ${deadlineSeconds}`);
  const seconds = Math.floor((deadlineSeconds * REFRESH_SHARE_OF_DEADLINE) / views);
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

export function refreshCommandOf(views: string[], statementTimeout: string): string[] {
  return [
    'schemashift',
    'refresh',
    ...views,
    '--statement-timeout',
    statementTimeout,
    '--concurrently',
    'auto',
    '--json',
  ];
}

interface CronJobFields {
  metadata: { name: string };
  spec: { schedule: string; jobTemplate: { spec: { template: { spec: { containers: { command: string[] }[] } } } } };
}

export function renderRefreshCronJob(template: string, name: string, schedule: string, views: string[]): string {
  const doc = YAML.parseDocument(template);
  const command = refreshCommandOf(views, refreshStatementTimeout(Number(doc.getIn(DEADLINE)), views.length));
  set(doc, ['metadata', 'name'], name);
  set(doc, ['spec', 'schedule'], schedule);
  set(doc, [...CONTAINER, 'command'], command, true);
  const text = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  // What is written is read back: one document, with the values exactly where they were set.
  const back = YAML.parseAllDocuments(text).map((d) => d.toJS() as CronJobFields);
  const job = back.length === 1 ? back[0] : undefined;
  const read = [
    job?.metadata.name,
    job?.spec.schedule,
    job?.spec.jobTemplate.spec.template.spec.containers[0]?.command,
  ];
  if (JSON.stringify(read) !== JSON.stringify([name, schedule, command]))
    throw new Error('internal: the CronJob did not read back as written');
  return text;
}

export async function newRefreshCronJob(templatesDir: string, opts: RefreshCronJobOptions, io: Io): Promise<number> {
  refuseOtherOptions(opts);
  const views = viewsOf(opts);
  const schedule = scheduleOf(opts);
  const name = nameOf(opts, views);
  const template = await readFile(join(templatesDir, 'k8s', `${REFRESH_CRONJOB}.yaml`), 'utf8');
  const text = renderRefreshCronJob(template, name, schedule, views);
  const command = (YAML.parse(text) as CronJobFields).spec.jobTemplate.spec.template.spec.containers[0]!.command;
  const outDir = resolve(io.cwd, opts.out ?? 'k8s');
  const inside = relative(io.cwd, join(outDir, `${name}.yaml`));
  const file = inside.startsWith('..') ? join(outDir, `${name}.yaml`) : inside;
  if (existsSync(resolve(io.cwd, file)) && !opts.force)
    throw new UsageError(`${file} already exists; nothing was written`, 'pass --force to overwrite it, or --name');
  await mkdir(dirname(resolve(io.cwd, file)), { recursive: true });
  await writeFile(resolve(io.cwd, file), text);
  io.out(
    `wrote ${file} (CronJob ${name}: ${command.join(' ')}, ` +
      `schedule "${schedule}" UTC)\n` +
      `  next: create the Secret schemashift-database (key DATABASE_URL), set the image, then kubectl apply -f ${file}\n`,
  );
  return 0;
}
