import { z } from 'zod';
import { fullPlanSchema } from './schema.js';

/** The JSON Schema (draft 2020-12) of a plan file, for editor completion. */
export function planJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(fullPlanSchema(), { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    $id: 'https://schemashift.dev/schema/plan.schema.json',
    title: 'schemashift plan',
    description:
      'An expand → migrate → contract schema change. Generated from the zod schema in src/plan/schema.ts by `npm run ' +
      'schema`; do not edit by hand.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}

export function planJsonSchemaText(): string {
  return `${JSON.stringify(planJsonSchema(), null, 2)}\n`;
}
