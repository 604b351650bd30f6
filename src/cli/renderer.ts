/** How a command shows a run: a listr2 task tree on a TTY, plain lines or JSON lines in CI. */
import type { CompiledPlan } from '../plan/compile.js';
import type { RunnerListener } from '../runner/events.js';
import { paint, type Io } from './io.js';
import { jsonRenderer, lineRenderer } from './render-lines.js';

export interface RunRenderer {
  listener: RunnerListener;
  /** Ask a person; only on a TTY. */
  ask?: (message: string) => Promise<boolean>;
  /** True once someone pressed Ctrl-C at a prompt (answered "no"): the command then exits 130. */
  promptInterrupted?: () => boolean;
  /** Resolves when the display has finished drawing. */
  close(): Promise<void>;
}

export interface RendererFactoryOptions {
  json: boolean;
}

export type InteractiveFactory = (plan: CompiledPlan, io: Io) => RunRenderer;

let interactiveFactory: InteractiveFactory | undefined;

/** The listr2 renderer registers itself here (kept out of this module so CI mode never loads it). */
export function registerInteractiveRenderer(factory: InteractiveFactory): void {
  interactiveFactory = factory;
}

export async function createRenderer(plan: CompiledPlan, io: Io, opts: RendererFactoryOptions): Promise<RunRenderer> {
  if (opts.json) return { listener: jsonRenderer(io), close: () => Promise.resolve() };
  if (io.interactive) {
    if (!interactiveFactory) await import('./render-interactive.js');
    if (interactiveFactory) return interactiveFactory(plan, io);
  }
  return { listener: lineRenderer(io, paint(io.color)), close: () => Promise.resolve() };
}
