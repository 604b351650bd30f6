/**
 * `npm run docs`: writes docs/plan-reference.md and the plan-reference block of README.md from the
 * zod schemas. `npm run docs -- --check`: exits 1 when either differs from what would be written.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { planReference } from './operation-reference/reference-data.js';
import {
  REFERENCE_PATH,
  renderReadmeBlock,
  renderReference,
  withReadmeBlock,
} from './operation-reference/render-markdown.js';

const README_PATH = 'README.md';

const readOrEmpty = (path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

const reference = await planReference();
const wanted = new Map([
  [REFERENCE_PATH, renderReference(reference)],
  [README_PATH, withReadmeBlock(readOrEmpty(README_PATH), renderReadmeBlock(reference))],
]);
const stale = [...wanted].filter(([path, text]) => readOrEmpty(path) !== text).map(([path]) => path);

if (process.argv.includes('--check')) {
  if (stale.length > 0) {
    process.stderr.write(`${stale.join(' and ')} ${stale.length > 1 ? 'are' : 'is'} stale: run npm run docs\n`);
    process.exit(1);
  }
  process.stdout.write(`${[...wanted.keys()].join(' and ')} are up to date\n`);
} else {
  for (const path of stale) writeFileSync(path, wanted.get(path) ?? '');
  process.stdout.write(stale.length > 0 ? `wrote ${stale.join(' and ')}\n` : 'nothing to change\n');
}
