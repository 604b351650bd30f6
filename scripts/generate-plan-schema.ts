import { writeFile } from 'node:fs/promises';
import { planJsonSchemaText } from '../src/plan/json-schema.js';

const target = new URL('../schema/plan.schema.json', import.meta.url);
await writeFile(target, planJsonSchemaText());
process.stdout.write(`wrote ${target.pathname}\n`);
