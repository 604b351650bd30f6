/** The targets file of a fleet: named databases whose URLs come from environment variables, never from the file. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseDatabaseUrl } from '../db/url.js';
import { PlanError, UsageError, type PlanProblem } from '../errors.js';
import { YamlSource } from '../plan/yaml-source.js';

export interface FleetTarget {
  name: string;
  urlEnv: string;
  group?: string;
}

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,62}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const targetSchema = z
  .object({
    name: z.string().regex(NAME, 'a target name is a letter then letters, digits, _ . or - (at most 63)'),
    url_env: z
      .string()
      .regex(ENV_NAME, 'url_env is the NAME of an environment variable holding the URL (e.g. SHARD_1_URL)'),
    group: z.string().regex(NAME, 'a group name is a letter then letters, digits, _ . or -').optional(),
  })
  .strict();

const fileSchema = z.object({ targets: z.array(targetSchema).min(1, 'targets: lists at least one target') }).strict();

const HINT =
  'write `targets: [ { name: shard-1, url_env: SHARD_1_URL, group: canary } ]`; the URL itself goes in ' +
  'the environment variable, never in the file';

function readText(file: string, cwd: string): string {
  try {
    return readFileSync(resolve(cwd, file), 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the targets file ${file}: ${(e as Error).message}`, HINT);
  }
}

function duplicateNames(source: YamlSource, targets: FleetTarget[]): PlanProblem[] {
  const seen = new Set<string>();
  return targets.flatMap((t, i) => {
    if (!seen.has(t.name)) return (seen.add(t.name), []);
    return [
      { at: source.locate(['targets', i, 'name']), message: `target name '${t.name}' is used twice`, hint: HINT },
    ];
  });
}

/** Parse and validate a targets file; every problem at file:line:col (PlanError, exit 2), nothing run. */
export function loadTargets(file: string, cwd: string): FleetTarget[] {
  const source = new YamlSource(file, readText(file, cwd));
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) throw new PlanError(syntax);
  const parsed = fileSchema.safeParse(source.doc.toJS());
  if (!parsed.success) {
    throw new PlanError(
      parsed.error.issues.map((issue) => ({
        at: source.locate(issue.path.filter((k): k is string | number => typeof k !== 'symbol')),
        message: issue.message,
        hint: HINT,
      })),
    );
  }
  const targets = parsed.data.targets.map((t) => ({
    name: t.name,
    urlEnv: t.url_env,
    ...(t.group !== undefined ? { group: t.group } : {}),
  }));
  const duplicates = duplicateNames(source, targets);
  if (duplicates.length > 0) throw new PlanError(duplicates);
  return targets;
}

export interface TargetSelection {
  only?: string;
  target?: string;
  targetIndex?: string;
}

/** `--only GROUP`, `--target NAME`, `--target-index N` (0-based, file order: a Kubernetes Indexed Job's pod). */
export function selectTargets(all: FleetTarget[], sel: TargetSelection): FleetTarget[] {
  let chosen = all;
  if (sel.targetIndex !== undefined) {
    // Digits only: an empty or odd value (an unset JOB_COMPLETION_INDEX) must not select target 0.
    const target = /^\d+$/.test(sel.targetIndex) ? all[Number(sel.targetIndex)] : undefined;
    if (!target)
      throw new UsageError(
        `--target-index ${sel.targetIndex}: the targets file has ${all.length} target(s), indexed 0 to ${all.length - 1}`,
      );
    chosen = [target];
  }
  if (sel.target !== undefined) {
    chosen = chosen.filter((t) => t.name === sel.target);
    if (chosen.length === 0)
      throw new UsageError(`--target ${sel.target}: no such target (${all.map((t) => t.name).join(', ')})`);
  }
  if (sel.only !== undefined) {
    chosen = chosen.filter((t) => t.group === sel.only);
    if (chosen.length === 0) throw new UsageError(`--only ${sel.only}: no target is in this group`);
  }
  return chosen;
}

/** Every selected target's URL from its variable, checked before anything runs (exit 2 naming the variable). */
export function resolveUrls(targets: FleetTarget[], env: NodeJS.ProcessEnv): Map<string, string> {
  const missing = targets.filter((t) => !env[t.urlEnv]);
  if (missing.length > 0)
    throw new UsageError(
      `environment variable(s) not set: ${missing.map((t) => `${t.urlEnv} (target ${t.name})`).join(', ')}; ` +
        'nothing was run',
      'export each target’s database URL in the variable its url_env names',
      'missing-env',
    );
  // Every URL parsed before any target runs: a malformed one must not stop the fleet half-way.
  for (const t of targets) {
    try {
      parseDatabaseUrl(env[t.urlEnv] as string);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new UsageError(
        `${t.urlEnv} (target ${t.name}): ${reason}; nothing was run`,
        'fix the URL in that variable',
      );
    }
  }
  return new Map(targets.map((t) => [t.name, env[t.urlEnv] as string]));
}
