/** The plan name of an import: --name as given (refused when invalid), else made from the file or folder name. */
import { basename } from 'node:path';

export const PLAN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const MAX_NAME = 100;

/** `V3__Add users.email.sql` → `V3__Add-users.email`; empty when nothing usable is left. */
export function nameFromPath(path: string): string {
  const stem = basename(path.replace(/[/\\]+$/, '')).replace(/\.sql$/i, '');
  return stem
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[-.]+$/, '')
    .slice(0, MAX_NAME);
}

export function nameProblem(name: string): string | undefined {
  if (name.length > MAX_NAME) return `it is ${name.length} characters long (at most ${MAX_NAME})`;
  return PLAN_NAME.test(name)
    ? undefined
    : 'a plan name has letters, digits and _ . - only, not starting with a symbol';
}
