import type { DialectName } from '../dialects/dialect.js';
import type { SourcePos } from '../errors.js';
import type { Operation, Phase } from '../operations/types.js';
import type { PlanDependency } from './after.js';

export type YamlPath = readonly (string | number)[];

export interface PlanSettings {
  lockTimeoutMs: number;
  lockRetries: number;
  statementTimeoutMs: number;
  flags?: { table: string } | { file: string };
}

export interface LintSuppression {
  ignore: string[];
  reason: string;
}

/** One step as listed in the plan file. */
export interface PlanEntry {
  /** Explicit `id:` or `<kind>:<target>` (suffixed `#2`, `#3` when repeated). */
  id: string;
  explicitId: boolean;
  phase: Phase;
  /** 0-based position within its phase. */
  index: number;
  kind: string;
  op: Operation;
  /** The validated, normalised spec. */
  spec: unknown;
  /** The spec as written (for hashing and drift reports). */
  raw: unknown;
  /** sha256 of the raw spec: a changed step has a changed hash. */
  hash: string;
  /** Where the step starts (its `- ` item). */
  at: SourcePos;
  /** YAML path of the operation's value: phases.<phase>.<index>.<kind>. */
  path: YamlPath;
  lint?: LintSuppression;
  /** `if_exists: adopt`: objects this entry creates that already exist are taken over (never dropped by rollback). */
  adopt?: true;
}

export interface Plan {
  file: string;
  name: string;
  description?: string;
  dialect: DialectName;
  settings: PlanSettings;
  /** `after:` — plans that must be finished (whole, or up to a phase) before this one starts; absent: none. */
  after?: PlanDependency[];
  entries: PlanEntry[];
  /** sha256 over every step's kind, id and raw spec, plus name and settings (not comments or layout). */
  hash: string;
  /** Position of any YAML path in the file (the closest existing node). */
  locate(path: YamlPath): SourcePos;
  /** Position of a character offset inside the scalar at `path` (SQL error positions). */
  locateInScalar(path: YamlPath, offset: number): SourcePos;
}
