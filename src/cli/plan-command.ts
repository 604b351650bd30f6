import { compilePlan } from '../plan/compile.js';
import { loadPlanFile } from '../plan/load.js';
import type { Phase } from '../operations/types.js';
import { paint, type Io } from './io.js';
import { planToJson, renderPlanText } from './render-plan.js';

export async function planCommand(file: string, opts: { phase?: Phase; json?: boolean }, io: Io): Promise<number> {
  const plan = await loadPlanFile(file, io.cwd);
  const compiled = compilePlan(plan);
  if (opts.json) io.out(`${JSON.stringify(planToJson(compiled, opts.phase), null, 2)}\n`);
  else io.out(renderPlanText(compiled, opts.phase, paint(io.color)));
  return 0;
}
