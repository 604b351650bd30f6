/**
 * The plan an import writes: every step in its phase in statement order, a comment above each saying which
 * statement it came from (file:line) and what was decided, a gate before contract when contract removes something
 * the old application version may still use, and the statements left out listed at the top.
 */
import YAML from 'yaml';
import type { ImportedStatement, ImportedStep, ImportPhase } from '../dialects/import.js';

export interface ImportedFile {
  /** As shown in comments: relative to the imported folder, or the file's name. */
  label: string;
  statements: ImportedStatement[];
  /** What the reader said about the file as a whole (a Down part left out). */
  notes?: string[];
}

export interface ImportSummary {
  statements: number;
  steps: number;
  raw: number;
  dropped: number;
}

const PHASES: ImportPhase[] = ['expand', 'migrate', 'contract'];
const CONTRACT_GATE =
  'Deploy the application version that no longer uses what contract removes (see the steps below), then continue';

interface PlacedStep {
  step: Record<string, unknown>;
  comment: string;
}

function placed(file: ImportedFile, statement: ImportedStatement, imported: ImportedStep): PlacedStep {
  return {
    step: imported.step,
    comment: ` ${file.label}:${statement.line}: ${statement.summary}\n → ${imported.decision}`,
  };
}

function needsContractGate(phases: Record<ImportPhase, PlacedStep[]>): boolean {
  const before = [...phases.expand, ...phases.migrate];
  return phases.contract.length > 0 && before.length > 0 && !before.some((p) => 'gate' in p.step);
}

function header(source: string, order: string | undefined, files: ImportedFile[], skipped: string[]): string {
  const lines = [
    ' yaml-language-server: $schema=../schema/plan.schema.json',
    ` Imported by \`schemashift import\` from ${source}. Review every decision below before running it.`,
  ];
  if (order) lines.push(` Order: ${order}: ${files.map((f) => f.label).join(', ')}.`);
  for (const s of skipped) lines.push(` Left out: ${s}.`);
  for (const file of files) for (const note of file.notes ?? []) lines.push(` ${file.label}: ${note}.`);
  for (const file of files)
    for (const statement of file.statements)
      if (statement.dropped)
        lines.push(` Left out: ${file.label}:${statement.line}: ${statement.summary} (${statement.dropped}).`);
  return lines.join('\n');
}

function phasesOf(files: ImportedFile[]): Record<ImportPhase, PlacedStep[]> {
  const phases: Record<ImportPhase, PlacedStep[]> = { expand: [], migrate: [], contract: [] };
  for (const file of files)
    for (const statement of file.statements)
      for (const imported of statement.steps) phases[imported.phase].push(placed(file, statement, imported));
  if (needsContractGate(phases))
    phases.migrate.push({
      step: { gate: { confirm: CONTRACT_GATE } },
      comment: ' import: contract drops what the old application version may still read; a person confirms the deploy',
    });
  return phases;
}

export function summarise(files: ImportedFile[]): ImportSummary {
  const statements = files.flatMap((f) => f.statements);
  return {
    statements: statements.length,
    steps: statements.reduce((n, s) => n + s.steps.length, 0),
    raw: statements.filter((s) => s.raw).length,
    dropped: statements.filter((s) => s.dropped).length,
  };
}

export function buildPlanDocument(
  name: string,
  source: string,
  files: ImportedFile[],
  layout: { order?: string; skipped: string[] },
): YAML.Document {
  const phases = phasesOf(files);
  const used = PHASES.filter((p) => phases[p].length > 0);
  const doc = new YAML.Document({
    name,
    description: `imported from ${source}`,
    phases: Object.fromEntries(used.map((p) => [p, phases[p].map((s) => s.step)])),
  });
  doc.commentBefore = header(source, layout.order, files, layout.skipped);
  const phasesNode = doc.get('phases') as YAML.YAMLMap;
  for (const p of used) {
    const seq = phasesNode.get(p) as YAML.YAMLSeq;
    seq.items.forEach((item, i) => {
      (item as YAML.Node).commentBefore = phases[p][i]!.comment;
    });
  }
  return doc;
}
