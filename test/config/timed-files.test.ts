/**
 * The files vitest.config.ts runs one at a time after the rest: each one exists (a renamed file would
 * silently go back to running beside another worker) and each one holds the machine to a clock.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TIMED_FILES } from '../../vitest.config.js';

describe('the timed test files', () => {
  it.each(TIMED_FILES)('%s exists and asserts a time bound or a pace', (file) => {
    expect(existsSync(file), `${file} is listed in vitest.config.ts TIMED_FILES but does not exist`).toBe(true);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/performance\.now\(\)|Date\.now\(\)|\.ms\b|elapsed|rowsPerSecond|heldMs|probe commit/);
  });

  it('lists each file once', () => {
    expect(new Set(TIMED_FILES).size).toBe(TIMED_FILES.length);
  });
});
