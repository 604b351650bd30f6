/** How a command shows a run: a listr2 task tree on a TTY, plain lines or JSON lines in CI. */
import type { CompiledPlan } from '../plan/compile.js';
import type { RunnerEvent, RunnerListener } from '../runner/events.js';
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

function linesOf(io: Io): RunRenderer {
  return { listener: lineRenderer(io, paint(io.color)), close: () => Promise.resolve() };
}

/** The TTY display; plain lines if it cannot be loaded, since the run has already started when it comes. */
async function loadInteractive(plan: CompiledPlan, io: Io): Promise<RunRenderer> {
  if (!interactiveFactory) await import('./render-interactive.js').catch(() => undefined);
  return interactiveFactory ? interactiveFactory(plan, io) : linesOf(io);
}

/**
 * A renderer usable at once that hands everything to the one `loading` gives, in order, once it is there:
 * the TTY display's modules (listr2, inquirer: ~0.1 s) then load while the runner's first queries are in
 * flight instead of before them. A prompt waits for the display; so does close().
 */
export function whenLoaded(loading: Promise<RunRenderer>): RunRenderer {
  let ready: RunRenderer | undefined;
  const early: RunnerEvent[] = [];
  const handOver = (renderer: RunRenderer): void => {
    ready = renderer;
    for (const event of early.splice(0)) renderer.listener(event);
  };
  const loaded = loading.then((renderer) => (handOver(renderer), renderer));
  // Not an unhandled rejection while nobody waits for it: close() reports it.
  loaded.catch(() => undefined);
  return {
    listener: (event) => (ready ? ready.listener(event) : void early.push(event)),
    ask: async (message) => {
      const renderer = await loaded;
      return renderer.ask ? renderer.ask(message) : false;
    },
    promptInterrupted: () => ready?.promptInterrupted?.() ?? false,
    close: async () => (await loaded).close(),
  };
}

function rendererFor(plan: CompiledPlan, io: Io, opts: RendererFactoryOptions): RunRenderer {
  if (opts.json) return { listener: jsonRenderer(io), close: () => Promise.resolve() };
  if (!io.interactive) return linesOf(io);
  return interactiveFactory ? interactiveFactory(plan, io) : whenLoaded(loadInteractive(plan, io));
}

export function createRenderer(plan: CompiledPlan, io: Io, opts: RendererFactoryOptions): Promise<RunRenderer> {
  return Promise.resolve(rendererFor(plan, io, opts));
}
