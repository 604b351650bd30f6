/**
 * `new TEMPLATE [--name N] [--table T] [--column C] …` fills a plan template from templates/ and writes
 * it to plans/<name>.yaml; `new --list` lists the templates and the options each needs.
 *
 * Substitution is done on the parsed YAML, scalar by scalar (`"{{table}}"` → the value), so no value
 * can change the document's structure; every value is validated first (names as identifiers, types,
 * SQL with the PostgreSQL parser), and the result goes through the same loader and lint as
 * `validate`: a plan that does not load or lints with errors is not written.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import type { z } from 'zod';
import { splitQualified, type Dialect } from '../dialects/dialect.js';
import { dialectNamed } from '../dialects/registry.js';
import { PlanError, UsageError } from '../errors.js';
import { formatText } from '../lint/format-text.js';
import { lintPlan } from '../lint/lint-plan.js';
import { boundedName } from '../operations/sync-trigger.js';
import { compilePlan } from '../plan/compile.js';
import { parsePlan } from '../plan/load.js';
import { identifier, qualifiedName, sqlExpression, sqlQuery, sqlType, withPlanDialect } from '../plan/primitives.js';
import { planHeaderSchema } from '../plan/schema.js';
import { didYouMean } from '../plan/suggest.js';
import { paint, type Io } from './io.js';
import { fillCarryDeclarations } from './new-carry.js';
import { newRefreshCronJob, REFRESH_CRONJOB, REFRESH_CRONJOB_SUMMARY } from './new-refresh-cronjob.js';
import { FLEET_JOB, FLEET_JOB_SUMMARY, newFleetJob } from './new-fleet-job.js';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TEMPLATES_DIR = join(PACKAGE_ROOT, 'templates');

const OPTION_KEYS = ['view', 'query', 'table', 'column', 'to', 'type', 'references', 'columns', 'expression'] as const;
type OptionKey = (typeof OPTION_KEYS)[number];

type TemplateOptions = { [K in OptionKey]?: string } & {
  name?: string;
  out?: string;
  force?: boolean;
  list?: boolean;
  database?: string;
  dialect?: string;
};

/** As the command line gives them: --view may repeat (refresh-cronjob); --schedule is refresh-cronjob's. */
export type NewOptions = Omit<TemplateOptions, 'view'> & {
  view?: string | string[];
  schedule?: string;
} & FleetJobFlags;
/** fleet-job's own options. */
type FleetJobFlags = { targets?: string; plan?: string; phase?: string; concurrency?: string };

/** A plan template takes one --view and no --schedule. */
function planTemplateOptions(template: string, opts: NewOptions): TemplateOptions {
  const { view, schedule, targets, plan, phase, concurrency, ...rest } = opts;
  if (schedule !== undefined)
    throw new UsageError(`template ${template} does not use --schedule`, `--schedule is for ${REFRESH_CRONJOB}`);
  const fleet = Object.entries({ targets, plan, phase, concurrency }).find(([, v]) => v !== undefined)?.[0];
  if (fleet !== undefined)
    throw new UsageError(`template ${template} does not use --${fleet}`, `--${fleet} is for ${FLEET_JOB}`);
  if (Array.isArray(view))
    throw new UsageError(`template ${template} takes one --view (given ${view.length})`, 'give --view once');
  return view === undefined ? rest : { ...rest, view };
}

interface Values {
  table: string;
  column: string;
  to: string;
  type: string;
  references: { table: string; column: string };
  columns: string[];
  view: string;
  query: string;
  expression: string;
}

const base = (table: string) => splitQualified(table).name;

/** Every placeholder a template may use, the options it needs, and its value (emitted as one YAML scalar or list). */
const VARS: Record<string, { needs: OptionKey[]; value: (v: Values, d: Dialect) => string | string[] }> = {
  table: { needs: ['table'], value: (v) => v.table },
  table_sql: { needs: ['table'], value: (v, d) => d.qualified(v.table) },
  column: { needs: ['column'], value: (v) => v.column },
  column_sql: { needs: ['column'], value: (v, d) => d.ident(v.column) },
  to: { needs: ['to'], value: (v) => v.to },
  type: { needs: ['type'], value: (v) => v.type },
  expression: { needs: ['expression'], value: (v) => v.expression },
  view: { needs: ['view'], value: (v) => v.view },
  query: { needs: ['query'], value: (v) => v.query },
  columns: { needs: ['columns'], value: (v) => v.columns },
  columns_sql: { needs: ['columns'], value: (v, d) => v.columns.map((c) => d.ident(c)).join(', ') },
  columns_not_null_sql: {
    needs: ['columns'],
    value: (v, d) => v.columns.map((c) => `${d.ident(c)} IS NOT NULL`).join(' AND '),
  },
  references_table: { needs: ['references'], value: (v) => v.references.table },
  references_table_sql: { needs: ['references'], value: (v, d) => d.qualified(v.references.table) },
  references_column: { needs: ['references'], value: (v) => v.references.column },
  references_column_sql: { needs: ['references'], value: (v, d) => d.ident(v.references.column) },
  index_name: { needs: ['table', 'columns'], value: (v) => boundedName('idx', base(v.table), ...v.columns) },
  column_index_name: { needs: ['table', 'column'], value: (v) => boundedName('idx', base(v.table), v.column) },
  fk_name: { needs: ['table', 'column'], value: (v) => boundedName(base(v.table), v.column, 'fkey') },
  unique_name: { needs: ['table', 'columns'], value: (v) => boundedName(base(v.table), ...v.columns, 'key') },
};

const OPTION_HELP: Record<OptionKey, string> = {
  table: '--table T',
  column: '--column C',
  to: '--to C2',
  type: '--type T',
  references: '--references T.C',
  columns: '--columns a,b',
  view: '--view V',
  query: '--query SQL',
  expression: '--expression SQL',
};

interface Template {
  name: string;
  summary: string;
  body: string;
  needs: OptionKey[];
}

const PLACEHOLDER = /\{\{(\w+)\}\}/g;

async function loadTemplates(): Promise<Template[]> {
  const files = (await readdir(TEMPLATES_DIR)).filter((f) => f.endsWith('.yaml')).sort();
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(join(TEMPLATES_DIR, file), 'utf8');
      const summary = /^# template: (.*)$/m.exec(text)?.[1] ?? '';
      const body = text.replace(/^# template: .*\n/m, '');
      const used = [...body.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '').filter((v) => v !== 'name');
      const needs = OPTION_KEYS.filter((k) => used.some((v) => VARS[v]?.needs.includes(k)));
      return { name: file.replace(/\.yaml$/, ''), summary, body, needs };
    }),
  );
}

function issueOf(schema: z.ZodType, value: unknown): string | undefined {
  const r = schema.safeParse(value);
  return r.success ? undefined : r.error.issues[0]?.message;
}

/** Every option the template needs is given, and none it does not use. */
function refuseMissingOrExtra(template: Template, opts: TemplateOptions): void {
  const missing = template.needs.filter((k) => opts[k] === undefined || opts[k] === '');
  if (missing.length > 0) {
    throw new UsageError(
      `template ${template.name} needs ${missing.map((k) => OPTION_HELP[k]).join(', ')} (missing)`,
      `e.g. schemashift new ${template.name} ${template.needs.map((k) => OPTION_HELP[k]).join(' ')}`,
    );
  }
  const extra = OPTION_KEYS.filter((k) => opts[k] !== undefined && !template.needs.includes(k));
  if (extra.length > 0)
    throw new UsageError(
      `template ${template.name} does not use ${extra.map((k) => `--${k}`).join(', ')}`,
      `it takes ${template.needs.map((k) => OPTION_HELP[k]).join(' ')}`,
    );
}

/** Each option the template needs, validated; every problem is reported at once. */
function readValues(template: Template, opts: TemplateOptions): Values {
  refuseMissingOrExtra(template, opts);
  const raw = (k: OptionKey) => opts[k] ?? '';
  const columns = raw('columns')
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  const ref = raw('references');
  const dot = ref.lastIndexOf('.');
  const references = { table: dot > 0 ? ref.slice(0, dot) : '', column: dot > 0 ? ref.slice(dot + 1) : ref };
  const checks: [OptionKey, z.ZodType, unknown][] = [
    ['table', qualifiedName, raw('table')],
    ['view', qualifiedName, raw('view')],
    ['column', identifier, raw('column')],
    ['to', identifier, raw('to')],
    ['type', sqlType, raw('type')],
    ['query', sqlQuery, raw('query')],
    ['expression', sqlExpression, raw('expression')],
    ...columns.map((c): [OptionKey, z.ZodType, unknown] => ['columns', identifier, c]),
    ['references', qualifiedName, references.table],
    ['references', identifier, references.column],
  ];
  const problems = checks
    .filter(([k]) => template.needs.includes(k))
    .flatMap(([k, schema, value]) => {
      const issue = issueOf(schema, value);
      return issue ? [`--${k}: ${issue}`] : [];
    });
  if (template.needs.includes('columns') && columns.length === 0)
    problems.push('--columns: give at least one column, e.g. --columns customer_id,created_at');
  if (template.needs.includes('references') && dot <= 0)
    problems.push(`--references ${ref}: expected TABLE.COLUMN, e.g. customers.id`);
  if (problems.length > 0)
    throw new UsageError(
      problems.join('\n'),
      'names are letters, digits, _ and $ (not starting with a digit); tables may be schema-qualified (sales.orders)',
    );
  return {
    table: raw('table'),
    column: raw('column'),
    to: raw('to'),
    type: raw('type'),
    references,
    columns,
    view: raw('view'),
    query: raw('query'),
    expression: raw('expression'),
  };
}

/** `--column x` for a template that takes a list (add-index, add-unique) means the one-column list. */
function oneColumnAsList(template: Template, opts: TemplateOptions): TemplateOptions {
  if (
    !template.needs.includes('columns') ||
    template.needs.includes('column') ||
    opts.column === undefined ||
    opts.columns !== undefined
  )
    return opts;
  const { column, ...rest } = opts;
  return { ...rest, columns: column };
}

function defaultName(template: Template, opts: TemplateOptions): string {
  const target = [opts.table ?? opts.view, opts.column ?? opts.columns?.replaceAll(',', '-')]
    .filter((p) => p !== undefined)
    .map((p) => base(p));
  return [template.name, ...target]
    .join('-')
    .replace(/[^A-Za-z0-9.-]+/g, '-')
    .toLowerCase()
    .slice(0, 100);
}

/**
 * Substitute placeholders in every scalar of the parsed template; a scalar that is exactly `{{list}}` becomes a list.
 */
function render(template: Template, values: Values, planName: string, d: Dialect): YAML.Document {
  const doc = YAML.parseDocument(template.body);
  if (doc.errors.length > 0) throw new Error(`template ${template.name} is not valid YAML: ${doc.errors[0]?.message}`);
  const valueOf = (name: string) => (name === 'name' ? planName : VARS[name]?.value(values, d));
  YAML.visit(doc, {
    Scalar(_, node) {
      if (typeof node.value !== 'string' || !node.value.includes('{{')) return undefined;
      const whole = /^\{\{(\w+)\}\}$/.exec(node.value)?.[1];
      const list = whole === undefined ? undefined : valueOf(whole);
      if (Array.isArray(list)) return Object.assign(doc.createNode(list), { flow: true });
      node.value = node.value.replace(PLACEHOLDER, (all, name: string) => {
        const value = valueOf(name);
        if (value === undefined) throw new Error(`template ${template.name} uses an unknown placeholder ${all}`);
        return Array.isArray(value) ? value.join(', ') : value;
      });
      node.type = 'PLAIN';
      return undefined;
    },
  });
  return doc;
}

/** `dialect:` right after the plan's description (or name), where a reader looks for it. */
function declareDialect(doc: YAML.Document, dialect: Dialect): void {
  const map = doc.contents;
  if (!YAML.isMap(map)) throw new Error('internal: a template is not a mapping');
  const after = map.items.findIndex((p) => YAML.isScalar(p.key) && p.key.value === 'description');
  map.items.splice(after + 1, 0, doc.createPair('dialect', dialect.name));
}

function header(template: Template, outDir: string, argv: string): string {
  const schema = join(PACKAGE_ROOT, 'schema', 'plan.schema.json');
  const lines = existsSync(schema)
    ? [`# yaml-language-server: $schema=${relative(outDir, schema).split('\\').join('/')}`]
    : [];
  lines.push(
    `# ${template.name}: ${template.summary}`,
    `# Written by \`schemashift new ${template.name}${argv}\`; review it, then edit freely.`,
  );
  return `${lines.join('\n')}\n`;
}

/** The same loader and lint as `validate`; throws (nothing written) when the plan is invalid or has lint errors. */
async function check(file: string, text: string, io: Io): Promise<void> {
  const plan = await parsePlan(file, text);
  const findings = lintPlan(plan, compilePlan(plan));
  if (findings.length === 0) return;
  io.err(formatText([{ file, name: plan.name, valid: true, findings, text }], paint(io.color)));
  if (findings.some((f) => f.severity === 'error'))
    throw new UsageError(
      `the plan from this template has lint errors, so ${file} was not written`,
      'check the options (or report the template as a bug)',
    );
}

function listTemplates(templates: Template[], io: Io): number {
  const width = Math.max(...templates.map((t) => t.name.length)) + 2;
  const lines = templates.map(
    (t) =>
      `  ${t.name.padEnd(width)}${t.needs.map((k) => OPTION_HELP[k]).join(' ')}\n  ${' '.repeat(width)}${t.summary}`,
  );
  lines.push(
    `  ${REFRESH_CRONJOB.padEnd(width)}--view V [--view W] [--schedule CRON]\n  ${' '.repeat(width)}` +
      `${REFRESH_CRONJOB_SUMMARY}; written to k8s/`,
    `  ${FLEET_JOB.padEnd(width)}--targets T.yaml --plan P.yaml [--phase P] [--concurrency N]\n  ${' '.repeat(width)}` +
      `${FLEET_JOB_SUMMARY}; written to k8s/`,
  );
  io.out(`templates (schemashift new TEMPLATE [--name N] [options] [--out DIR] [--force]):\n${lines.join('\n')}\n`);
  return 0;
}

function argvOf(opts: TemplateOptions, name: string): string {
  const parts = [
    `--name ${name}`,
    ...OPTION_KEYS.filter((k) => opts[k] !== undefined).map(
      (k) => `--${k} ${/^[\w.,]+$/.test(opts[k] ?? '') ? opts[k] : JSON.stringify(opts[k])}`,
    ),
    ...(opts.dialect !== undefined && opts.dialect !== 'postgres' ? [`--dialect ${opts.dialect}`] : []),
  ];
  return ` ${parts.join(' ')}`;
}

function dialectOf(name: string | undefined): Dialect {
  if (name === undefined || name === 'postgres') return dialectNamed('postgres');
  if (name === 'mssql') return dialectNamed('mssql');
  throw new UsageError(`--dialect ${name}: no such dialect`, 'use --dialect postgres (the default) or --dialect mssql');
}

function findTemplate(templates: Template[], templateName: string | undefined): Template {
  const template = templates.find((t) => t.name === templateName);
  if (template) return template;
  const names = [...templates.map((t) => t.name), REFRESH_CRONJOB, FLEET_JOB];
  const hint = templateName === undefined ? undefined : didYouMean(templateName, names);
  throw new UsageError(
    templateName === undefined ? 'which template? schemashift new TEMPLATE …' : `no template named ${templateName}`,
    `${hint ? `${hint} ` : ''}templates: ${names.join(', ')} (schemashift new --list shows the options each needs)`,
  );
}

export async function newCommand(templateName: string | undefined, cliOpts: NewOptions, io: Io): Promise<number> {
  if (templateName === REFRESH_CRONJOB) return newRefreshCronJob(TEMPLATES_DIR, cliOpts, io);
  if (templateName === FLEET_JOB) return newFleetJob(TEMPLATES_DIR, cliOpts, io);
  const opts = planTemplateOptions(templateName ?? '', cliOpts);
  const templates = await loadTemplates();
  if (opts.list) return listTemplates(templates, io);
  const template = findTemplate(templates, templateName);
  const dialect = dialectOf(opts.dialect);
  await dialect.parser.load();
  const given = oneColumnAsList(template, opts);
  const values = withPlanDialect(dialect, () => readValues(template, given));
  const name = given.name ?? defaultName(template, given);
  const nameProblem = issueOf(planHeaderSchema.shape.name, name);
  if (nameProblem) throw new UsageError(`--name ${name}: ${nameProblem}`, 'e.g. --name rename-orders-client-id');
  const outDir = resolve(io.cwd, opts.out ?? 'plans');
  const inside = relative(io.cwd, join(outDir, `${name}.yaml`));
  const file = inside.startsWith('..') ? join(outDir, `${name}.yaml`) : inside;
  const doc = render(template, values, name, dialect);
  if (dialect.name !== 'postgres') declareDialect(doc, dialect);
  const uncarried =
    opts.database === undefined
      ? []
      : await fillCarryDeclarations(doc, template.name, opts.database, values.table, values.column, io.cwd);
  if (uncarried.length > 0)
    doc.commentBefore = (
      `${doc.commentBefore ?? ''}\nNOT CARRIED (run and validate --database refuse this plan until it is ` +
      `resolved):\n${uncarried.join('\n')}`
    ).trim();
  const text =
    header(template, outDir, argvOf(opts, name)) + doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  try {
    await check(file, text, io);
  } catch (e) {
    if (e instanceof PlanError)
      throw new PlanError([
        ...e.problems,
        {
          at: { file, line: 1, col: 1 },
          message: `the plan from template ${template.name} is invalid, so ${file} was not written`,
          hint: 'check the options',
        },
      ]);
    throw e;
  }
  if (existsSync(resolve(io.cwd, file)) && !opts.force)
    throw new UsageError(
      `${file} already exists; nothing was written`,
      'pass --force to overwrite it, or choose another --name',
    );
  await mkdir(dirname(resolve(io.cwd, file)), { recursive: true });
  await writeFile(resolve(io.cwd, file), text);
  io.out(`wrote ${file} (template ${template.name})\n  next: schemashift plan ${file}\n`);
  return 0;
}
