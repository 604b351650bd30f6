/**
 * .NET binds a Percentage filter's `Value` to an int (PercentageFilterSettings.Value): a file value
 * of 10.0, 1e1 or "10.5" makes every evaluation of the flag throw. Targeting's percentages are
 * doubles and take fractions. These checks work on the file's text, since 10.0 and 10 parse alike.
 */
import type { Node } from 'jsonc-parser';
import { UsageError } from '../errors.js';

const PERCENTAGE_NAME = /^(microsoft\.)?percentage$/i;

/** The value node of `key` (compared without case, as the .NET configuration binder does) in an object node. */
function child(node: Node | undefined, key: string): Node | undefined {
  if (node?.type !== 'object') return undefined;
  const lower = key.toLowerCase();
  const property = node.children?.findLast((p) => String(p.children?.[0]?.value).toLowerCase() === lower);
  return property?.children?.[1];
}

/** Why .NET's int binding cannot read the Value node, or undefined when it can. */
function intProblem(text: string, value: Node): string | undefined {
  const raw = text.slice(value.offset, value.offset + value.length);
  if (value.type === 'number' && /^-?\d+$/.test(raw)) return undefined;
  if (value.type === 'string' && /^\s*[+-]?\d+\s*$/.test(String(value.value))) return undefined;
  return `the Percentage filter's Value is ${raw}, and .NET reads it as a whole number (int): every evaluation of the flag throws`;
}

function percentageProblem(text: string, filters: Node | undefined, nameKey: string, parametersKey: string) {
  if (filters?.type !== 'array') return undefined;
  for (const filter of filters.children ?? []) {
    const name: unknown = child(filter, nameKey)?.value;
    if (typeof name !== 'string' || !PERCENTAGE_NAME.test(name)) continue;
    const value = child(child(filter, parametersKey), 'Value');
    const problem = value && intProblem(text, value);
    if (problem) return problem;
  }
  return undefined;
}

/** .NET section flags (key lower-cased) whose Percentage Value .NET cannot read, with why. */
export function unreadableDotnetFlags(text: string, root: Node, sectionKey: string): Map<string, string> {
  const found = new Map<string, string>();
  const section = child(root, sectionKey);
  for (const property of section?.type === 'object' ? (section.children ?? []) : []) {
    const key = String(property.children?.[0]?.value);
    const problem = percentageProblem(text, child(property.children?.[1], 'EnabledFor'), 'Name', 'Parameters');
    if (problem) found.set(key.toLowerCase(), problem);
  }
  return found;
}

/** `feature_management.feature_flags` entries (by index) whose Percentage Value .NET cannot read, with why. */
export function unreadableMicrosoftFlags(text: string, root: Node): Map<number, string> {
  const found = new Map<number, string>();
  const flags = child(child(root, 'feature_management'), 'feature_flags');
  (flags?.type === 'array' ? (flags.children ?? []) : []).forEach((flag, i) => {
    const filters = child(child(flag, 'conditions'), 'client_filters');
    const problem = percentageProblem(text, filters, 'name', 'parameters');
    if (problem) found.set(i, problem);
  });
  return found;
}

/** Refuse a fractional percentage for a Percentage filter in a file a .NET app reads. */
export function checkWholePercent(file: string, id: string, percent: number): void {
  if (Number.isInteger(percent)) return;
  throw new UsageError(
    `flag ${id} uses the Percentage filter in ${file}, which a .NET app reads: .NET reads its Value as a ` +
      `whole number (int), so ${percent} would make every evaluation of the flag throw; nothing was written`,
    `use a whole percentage (${Math.floor(percent)} or ${Math.ceil(percent)}), or the Targeting filter ` +
      '(--filter targeting, or filter: targeting in the plan), whose DefaultRolloutPercentage takes fractions',
  );
}
