/**
 * TTY mode: a listr2 task tree (phase → step) that only observes the runner, and inquirer prompts
 * (through listr2's prompt adapter) for gates and the contract / rollback confirmations.
 *
 * The tree starts at the first step event: its ids say whether this is a run (the plan's phases) or
 * a rollback (the inverse steps, newest entry first). A confirmation asked before that (rollback,
 * or a run resuming at contract) gets a one-task list of its own. Nothing here may stop the run:
 * every listener call and prompt is guarded, and `close()` settles whatever was never reached.
 */
import { writeSync } from 'node:fs';
import { confirm } from '@inquirer/prompts';
import {
  createWritable,
  figures,
  Listr,
  ListrDefaultRendererLogLevels,
  ListrLogger,
  ListrLogLevels,
  PRESET_TIMER,
  ProcessOutput,
} from 'listr2';
import type { Step } from '../operations/types.js';
import { isReversible, type CompiledPlan } from '../plan/compile.js';
import type { RunnerEvent } from '../runner/events.js';
import { paint, type Io } from './io.js';
import { lineFor } from './render-lines.js';
import { registerInteractiveRenderer, type RunRenderer } from './renderer.js';
import {
  AnsweredPromptStays,
  deferred,
  detailOf,
  identityColors,
  plain,
  PLAIN_PROMPT,
  rollbackGroups,
  runGroups,
  type Begin,
  type ConfirmRequest,
  type GroupSlot,
  type InteractiveOptions,
  type Outcome,
  type StepSlot,
  type Task,
  type Wrapper,
} from './render-interactive-parts.js';

class InteractiveRenderer implements RunRenderer {
  private groups: GroupSlot[] = [];
  private slots = new Map<string, StepSlot>();
  private current: StepSlot | undefined;
  private mode: 'run' | 'rollback' | undefined;
  /** Listr runs one after another: an early confirmation list, then the tree. */
  private chain: Promise<void> = Promise.resolve();
  private readonly finished = deferred<void>();
  private closing: Promise<void> | undefined;
  private readonly forced: 'simple' | 'verbose' | undefined;
  /** Ctrl-C at a prompt: the answer is "no", and the command exits 130. */
  private interruptedAtPrompt = false;

  constructor(
    private readonly plan: CompiledPlan,
    private readonly io: Io,
    private readonly options: InteractiveOptions,
  ) {
    const wanted = io.env.SCHEMASHIFT_RENDERER;
    this.forced = wanted === 'simple' || wanted === 'verbose' ? wanted : undefined;
  }

  readonly listener = (event: RunnerEvent): void => {
    try {
      this.onEvent(event);
    } catch {
      // A drawing problem must never stop a migration.
    }
  };

  readonly ask = async (message: string): Promise<boolean> => {
    try {
      return await this.confirmation(message);
    } catch {
      return false;
    }
  };

  readonly promptInterrupted = (): boolean => this.interruptedAtPrompt;

  private declinedText(): string {
    return this.interruptedAtPrompt ? 'interrupted at the prompt (Ctrl-C)' : 'declined';
  }

  close(): Promise<void> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish(): Promise<void> {
    for (const group of this.groups) {
      // A phase the run left midway (gate declined, interrupted) must not look completed.
      if (group.begun.done && group.steps.some((s) => !s.outcome.done))
        group.task?.skip('stopped before the end of the phase');
      group.begun.resolve({ kind: 'not-reached' });
    }
    for (const slot of this.slots.values()) {
      const reason = slot.declined
        ? this.declinedText()
        : slot === this.current
          ? 'stopped before it finished'
          : 'not reached';
      slot.outcome.resolve({ kind: 'skip', reason });
    }
    if (!this.mode) this.finished.resolve();
    await this.finished.promise;
  }

  private onEvent(event: RunnerEvent): void {
    if (event.type === 'phase-start' || event.type === 'phase-done') return;
    if (event.type === 'info' || event.type === 'stopped') {
      this.note(event.type === 'info' ? event.message : (lineFor(event, plain) ?? ''));
      return;
    }
    const slot = this.slotFor(event.step);
    if (!slot) return;
    switch (event.type) {
      case 'step-start':
        this.reach(slot.group, slot.index);
        this.current = slot;
        if (event.attempt > 1) this.show(slot, `attempt ${event.attempt}`);
        return;
      case 'step-done':
        return this.settle(slot, { kind: 'done' });
      case 'step-skip':
        return this.settle(slot, { kind: 'skip', reason: event.reason });
      case 'step-failed':
        return this.settle(slot, { kind: 'failed', error: event.error });
      default: {
        const text = detailOf(event);
        if (text !== undefined) this.show(slot, text);
      }
    }
  }

  private slotFor(step: Step): StepSlot | undefined {
    if (!this.mode && !this.closing)
      this.start(
        this.plan.entries.some((e) => isReversible(e.inverse) && e.inverse.steps.some((s) => s.id === step.id))
          ? 'rollback'
          : 'run',
      );
    return this.slots.get(step.id);
  }

  /**
   * Groups up to `group` begin; steps before `index` that got no event were done earlier (run) or had nothing to undo
   * (rollback).
   */
  private reach(group: GroupSlot, index: number, begin: Begin = { kind: 'run' }): void {
    for (const g of this.groups) {
      g.begun.resolve(g === group ? begin : { kind: 'run' });
      if (g === group) break;
    }
    const reason = this.mode === 'rollback' ? 'nothing to undo' : 'done in an earlier run';
    for (const other of this.slots.values()) if (other.index < index) other.outcome.resolve({ kind: 'skip', reason });
  }

  private settle(slot: StepSlot, outcome: Outcome): void {
    this.reach(slot.group, slot.index);
    slot.outcome.resolve(outcome);
    if (this.current === slot) this.current = undefined;
  }

  private show(slot: StepSlot, text: string): void {
    if (slot.task) slot.task.output = text;
    else slot.backlog.push(text);
  }

  /** Messages that belong to no step: under the running step, else in the current phase's bottom bar. */
  private note(text: string): void {
    if (this.current) this.show(this.current, text);
    else this.groupNote(text);
  }

  private groupNote(text: string): void {
    const group = [...this.groups].reverse().find((g) => g.begun.done) ?? this.groups[0];
    if (!group) {
      this.io.err(`${paint(this.io.color).yellow(text)}\n`);
      return;
    }
    group.note = text;
    if (group.task) group.task.output = text;
  }

  private async confirmation(message: string): Promise<boolean> {
    const slot = this.current;
    if (slot) {
      const task = await Promise.race([slot.started.promise, this.finished.promise.then(() => undefined)]);
      if (!task) return false;
      const yes = await this.prompt(task, message);
      if (!yes) slot.declined = true;
      return yes;
    }
    const request: ConfirmRequest = { message, answer: deferred<boolean>() };
    if (!this.mode) {
      this.chain = this.chain.then(() => this.runList([this.confirmTask(request)]));
      await this.chain;
      return request.answer.promise;
    }
    // Mid-run, a confirmation outside any step is the one before contract.
    const contract = this.groups.find((g) => g.phase === 'contract' && !g.begun.done);
    if (!contract?.steps[0]) return false;
    this.reach(contract, contract.steps[0].index, { kind: 'run', confirm: request });
    return Promise.race([request.answer.promise, this.finished.promise.then(() => false)]);
  }

  /**
   * inquirer never settles a prompt whose input ends (Ctrl-D, stdin closed): the process would then
   * exit 0 mid-run or hang. Abort it instead, so that it counts as "no" like Ctrl-C.
   */
  private async prompt(task: Wrapper, message: string): Promise<boolean> {
    const input = this.options.input ?? process.stdin;
    const controller = new AbortController();
    const abort = () => controller.abort(new Error('the prompt input ended'));
    const onKey = (_: unknown, key?: { ctrl?: boolean; name?: string }) =>
      void (key?.ctrl && key.name === 'd' && abort());
    input.once('end', abort).once('close', abort).on('keypress', onKey);
    try {
      if ((input as { readableEnded?: boolean }).readableEnded) return false;
      const config = { message, default: false, ...(this.io.color ? {} : { theme: PLAIN_PROMPT }) };
      const adapter = task.prompt(AnsweredPromptStays);
      adapter.answering = true;
      const answer = await adapter
        .run(confirm, config, { input, signal: controller.signal })
        .finally(() => (adapter.answering = false));
      return answer === true;
    } catch (e) {
      // ExitPromptError (Ctrl-C), AbortPromptError (input ended) and any other failure: "no".
      if ((e as { name?: unknown } | null)?.name === 'ExitPromptError') this.interruptedAtPrompt = true;
      return false;
    } finally {
      input.off('end', abort).off('close', abort).off('keypress', onKey);
    }
  }

  private start(mode: 'run' | 'rollback'): void {
    this.mode = mode;
    const specs = mode === 'run' ? runGroups(this.plan) : rollbackGroups(this.plan);
    let index = 0;
    this.groups = specs.map((spec) => {
      const group: GroupSlot = { title: spec.title, phase: spec.phase, steps: [], begun: deferred<Begin>() };
      group.steps = spec.steps.map((step) => ({
        step,
        index: index++,
        group,
        outcome: deferred<Outcome>(),
        started: deferred<Wrapper>(),
        backlog: [],
        declined: false,
      }));
      for (const slot of group.steps) this.slots.set(slot.step.id, slot);
      return group;
    });
    const restoreCursor = () => void writeSync(1, '\u001b[?25h');
    const onSignal = () => this.groupNote('stopping after the current statement or batch (Ctrl-C again quits at once)');
    if (!this.forced) process.once('exit', restoreCursor);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    this.chain = this.chain.then(() => this.runList(this.groups.map((g) => this.groupTask(g))));
    void this.chain.finally(() => {
      process.off('exit', restoreCursor);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      this.finished.resolve();
    });
  }

  private async runList(tasks: Task[]): Promise<void> {
    try {
      await new Listr<unknown, 'default', 'simple' | 'verbose'>(tasks, this.listrOptions()).run();
    } catch {
      // listr2 reports failures in the tree itself; the run's outcome is printed by the command.
    }
  }

  private groupTask(group: GroupSlot): Task {
    return {
      title: group.title,
      rendererOptions: { bottomBar: 3 },
      task: async (_ctx, task) => {
        group.task = task;
        if (group.note) task.output = group.note;
        const begin = await group.begun.promise;
        if (begin.kind === 'not-reached') return task.skip('not reached');
        const confirmation = begin.confirm ? [this.confirmTask(begin.confirm)] : [];
        return task.newListr([...confirmation, ...group.steps.map((slot) => this.stepTask(slot))], {
          exitOnError: false,
        });
      },
    };
  }

  private stepTask(slot: StepSlot): Task {
    return {
      title: `${slot.step.id} — ${slot.step.summary}`,
      rendererOptions: { persistentOutput: true },
      task: async (_ctx, task) => {
        slot.task = task;
        for (const text of slot.backlog.splice(0)) task.output = text;
        slot.started.resolve(task);
        const outcome = await slot.outcome.promise;
        if (outcome.kind === 'skip') task.skip(outcome.reason);
        if (outcome.kind === 'failed') throw new Error(outcome.error);
      },
    };
  }

  private confirmTask(request: ConfirmRequest): Task {
    return {
      title: `confirm — ${request.message}`,
      task: async (_ctx, task) => {
        const yes = await this.prompt(task, request.message);
        request.answer.resolve(yes);
        if (!yes) task.skip(this.declinedText());
      },
    };
  }

  private listrOptions() {
    const colorless = !this.io.color;
    const write = (out: (text: string) => void) =>
      createWritable((chunk) => out(chunk)) as unknown as NodeJS.WriteStream;
    return {
      concurrent: false,
      exitOnError: false,
      // The runner owns Ctrl-C: it stops after the current statement or batch.
      registerSignalListeners: false,
      renderer: 'default' as const,
      rendererOptions: {
        collapseSubtasks: false,
        collapseSkips: false,
        collapseErrors: false,
        timer: { ...PRESET_TIMER, condition: (ms?: number) => (ms ?? 0) >= 1000 },
        icon: {
          [ListrDefaultRendererLogLevels.SKIPPED_WITHOUT_COLLAPSE]: figures.arrowDown,
          [ListrDefaultRendererLogLevels.SKIPPED_WITH_COLLAPSE]: figures.pointerSmall,
        },
        ...(colorless ? { color: identityColors(Object.values(ListrDefaultRendererLogLevels)) } : {}),
      },
      fallbackRenderer: this.forced ?? ('simple' as const),
      fallbackRendererCondition: this.forced !== undefined,
      fallbackRendererOptions: {
        logger: new ListrLogger({
          processOutput: new ProcessOutput(
            write((t) => this.io.out(t)),
            write((t) => this.io.err(t)),
          ),
          toStderr: [],
        }),
        ...(colorless ? { color: identityColors(Object.values(ListrLogLevels)) } : {}),
      },
    };
  }
}

/** For tests (and anything that needs a prompt input other than stdin). */
export function createInteractiveRenderer(plan: CompiledPlan, io: Io, options: InteractiveOptions = {}): RunRenderer {
  return new InteractiveRenderer(plan, io, options);
}

registerInteractiveRenderer((plan, io) => createInteractiveRenderer(plan, io));
