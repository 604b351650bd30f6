/** Pieces of the TTY renderer (render-interactive.ts): task types, small helpers, the prompt adapter fix. */
import { ListrInquirerPromptAdapter } from '@listr2/prompt-adapter-inquirer';
import {
  figures,
  type ListrDefaultRenderer,
  type ListrSimpleRenderer,
  type ListrTask,
  type ListrTaskWrapper,
  type ListrVerboseRenderer,
} from 'listr2';
import type { Phase, Step } from '../operations/types.js';
import { isReversible, type CompiledPlan } from '../plan/compile.js';
import type { RunnerEvent } from '../runner/events.js';
import { paint } from './io.js';
import { lineFor, progressText } from './render-lines.js';

export type Fallback = ListrSimpleRenderer | ListrVerboseRenderer;
export type Wrapper = ListrTaskWrapper<unknown, ListrDefaultRenderer, Fallback>;
export type Task = ListrTask<unknown, ListrDefaultRenderer, Fallback>;
export type Outcome = { kind: 'done' } | { kind: 'skip'; reason: string } | { kind: 'failed'; error: string };
export type Begin = { kind: 'run'; confirm?: ConfirmRequest } | { kind: 'not-reached' };

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  done: boolean;
}

export function deferred<T>(): Deferred<T> {
  let settle!: (value: T) => void;
  const d: Deferred<T> = {
    promise: new Promise<T>((r) => (settle = r)),
    done: false,
    resolve: (value) => {
      if (d.done) return;
      d.done = true;
      settle(value);
    },
  };
  return d;
}

export interface StepSlot {
  step: Step;
  index: number;
  group: GroupSlot;
  outcome: Deferred<Outcome>;
  started: Deferred<Wrapper>;
  task?: Wrapper;
  /** Detail that arrived before listr2 started the task, shown in order when it does. */
  backlog: string[];
  declined: boolean;
}

export interface GroupSlot {
  title: string;
  phase: Phase | null;
  steps: StepSlot[];
  begun: Deferred<Begin>;
  task?: Wrapper;
  note?: string;
}

export interface ConfirmRequest {
  message: string;
  answer: Deferred<boolean>;
}

/**
 * listr2's inquirer adapter cancels its prompt whenever the task is skipped, even long after the
 * answer, and cancelling restores the task's earlier state: a declined gate skipped at the end of
 * the run would then be drawn as completed. Only a prompt still waiting for its answer is cancelled.
 */
export class AnsweredPromptStays extends ListrInquirerPromptAdapter {
  answering = false;
  override cancel(): void {
    if (this.answering) super.cancel();
  }
}

export interface InteractiveOptions {
  /** Where prompts read from (default stdin); tests pass a stream. */
  input?: NodeJS.ReadableStream;
}

export const plain = paint(false);
export const same = (text: string) => text;
/** inquirer's theme without colors, for NO_COLOR. */
export const PLAIN_PROMPT = {
  prefix: { idle: '?', done: figures.tick },
  style: { answer: same, message: same, defaultAnswer: (text: string) => `(${text})`, help: same, highlight: same },
};

/** One line of live detail under a step, or undefined for events that are not step detail. */
export function detailOf(event: RunnerEvent): string | undefined {
  if (event.type === 'progress') {
    const p = event.progress;
    return progressText(p.rowsTotal !== null && p.rowsDone >= p.rowsTotal ? { ...p, etaMs: null } : p);
  }
  if (event.type === 'statement' || event.type === 'lock-wait' || event.type === 'retry')
    return lineFor(event, plain)?.trim();
  return undefined;
}

export function runGroups(plan: CompiledPlan): { title: string; phase: Phase | null; steps: Step[] }[] {
  return plan.phases
    .filter((p) => p.steps.length > 0)
    .map((p) => ({ title: p.phase, phase: p.phase, steps: p.steps.map((s) => s.step) }));
}

export function rollbackGroups(plan: CompiledPlan): { title: string; phase: Phase | null; steps: Step[] }[] {
  const steps = [...plan.entries].reverse().flatMap((e) => (isReversible(e.inverse) ? e.inverse.steps : []));
  return [{ title: 'rollback', phase: null, steps }];
}

export function identityColors(levels: string[]): Record<string, (s?: string) => string> {
  return Object.fromEntries(levels.map((level) => [level, (s?: string) => s ?? '']));
}
