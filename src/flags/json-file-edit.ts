/** The new text of a flags file after one flag's change, in the file's own layout (see jsonc-edit.ts). */
import type { FeatureFlag } from './definition.js';
import type { DotnetFlag } from './dotnet-section.js';
import type { FlagsFile } from './json-file-store.js';
import { checkedEdit } from './jsonc-document.js';
import { editJsonc } from './jsonc-edit.js';
import { patchJsonText } from './json-text.js';
import { withoutReadableValue, type Doc } from './microsoft-section.js';

/** The .NET flag `flagKey` of the section `sectionKey` changed from `before` to `next`. */
export function dotnetEdit(
  file: string,
  text: string,
  doc: Doc,
  sectionKey: string,
  flagKey: string,
  before: DotnetFlag | undefined,
  next: DotnetFlag,
  unreadable: boolean,
): string {
  const section = { ...(doc[sectionKey] as object), [flagKey]: next };
  const from = unreadable ? withoutReadableValue(before) : before;
  return checkedEdit(file, editJsonc(text, [sectionKey, flagKey], from, next), { ...doc, [sectionKey]: section });
}

/** A file with comments: only the flag's values change (or the flag, or the section, is added). */
function editMicrosoftSection(
  text: string,
  doc: Doc,
  at: number,
  flags: unknown[],
  before: FeatureFlag | undefined,
  after: FeatureFlag,
): string {
  if (doc.feature_management === undefined)
    return editJsonc(text, ['feature_management'], undefined, { feature_flags: [after] });
  if (doc.feature_management.feature_flags === undefined)
    return editJsonc(text, ['feature_management', 'feature_flags'], undefined, [after]);
  return editJsonc(text, ['feature_management', 'feature_flags', at < 0 ? flags.length : at], before, after);
}

/** The file with `feature_management.feature_flags[at]` (at < 0: a new entry) changed from `before` to `after`. */
export function microsoftEdit(
  file: string,
  { text, doc, strict }: FlagsFile,
  at: number,
  flags: FeatureFlag[],
  before: FeatureFlag | undefined,
  after: FeatureFlag,
  unreadable: boolean,
): string {
  const nextFlags = at < 0 ? [...flags, after] : flags.with(at, after);
  const next = { ...doc, feature_management: { ...doc.feature_management, feature_flags: nextFlags } };
  if (text === null) return `${JSON.stringify(next, null, 2)}\n`;
  if (strict && !unreadable) return patchJsonText(text, next);
  const from = unreadable ? withoutReadableValue(before) : before;
  return checkedEdit(file, editMicrosoftSection(text, doc, at, flags, from, after), next);
}
