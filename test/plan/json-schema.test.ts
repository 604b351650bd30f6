import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPERATION_KINDS } from '../../src/operations/index.js';
import { planJsonSchemaText } from '../../src/plan/json-schema.js';

describe('schema/plan.schema.json', () => {
  it('is what the zod schema generates (run `npm run schema` when this fails)', () => {
    expect(readFileSync('schema/plan.schema.json', 'utf8')).toBe(planJsonSchemaText());
  });

  it('offers every operation key to editors', () => {
    const text = planJsonSchemaText();
    for (const kind of OPERATION_KINDS) expect(text).toContain(`"${kind}"`);
  });
});
