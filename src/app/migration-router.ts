/**
 * Routes one repository call by migration mode. The caller only ever waits for what the mode
 * requires: reads wait for one side; shadow reads start the new read beside the old one and compare
 * after the old result has been returned; writes wait for the primary side, then the secondary
 * (in that order, so a write the primary refused never reaches the secondary, and the secondary sees
 * writes in the caller's order), bounded by `secondaryTimeoutMs`. Secondary failures and
 * mismatches go to the recorder in the background and are never thrown to the caller.
 */
import { currentMode, type IsEnabled, type MigrationMode, type ModeFlags } from './migration-mode.js';
import type { AnyMethod, NormalizedMethod } from './method-kinds.js';
import type { MismatchRecorder, ShadowMismatch } from './mismatch-recorder.js';
import { errorMessage } from './sql-client.js';

type Side = 'old' | 'new';

export interface RouterSettings {
  repository: string;
  sides: Record<Side, Record<string, AnyMethod>>;
  methods: ReadonlyMap<string, NormalizedMethod>;
  isEnabled: IsEnabled;
  flags: ModeFlags;
  recorder: MismatchRecorder;
  secondaryTimeoutMs: number;
  onError: (error: Error) => void;
}

type Finding = Omit<ShadowMismatch, 'repository' | 'at'>;

export class MigrationRouter {
  readonly #pending = new Set<Promise<void>>();

  constructor(private readonly s: RouterSettings) {}

  mode(context: unknown): Promise<MigrationMode> {
    return currentMode(this.s.isEnabled, this.s.flags, context);
  }

  async call(method: string, args: unknown[], context: unknown): Promise<unknown> {
    const spec = this.s.methods.get(method)!;
    const mode = await this.mode(context);
    return spec.kind === 'write' ? this.#write(mode, method, args) : this.#read(mode, spec, method, args);
  }

  /** Resolves once every background comparison and recording has finished. */
  async whenIdle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  async #write(mode: MigrationMode, method: string, args: unknown[]): Promise<unknown> {
    if (mode === 'off') return this.#invoke('old', method, args);
    const [primary, secondary]: [Side, Side] = mode === 'read-new' ? ['new', 'old'] : ['old', 'new'];
    const result = await this.#invoke(primary, method, args);
    try {
      await this.#bounded(this.#invoke(secondary, method, args));
    } catch (e) {
      this.#record({
        kind: 'write-error',
        method,
        args,
        mode,
        ...(primary === 'old' ? { oldResult: result } : { newResult: result }),
        error: `the ${secondary} side failed: ${errorMessage(e)}`,
      });
    }
    return result;
  }

  #read(mode: MigrationMode, spec: NormalizedMethod, method: string, args: unknown[]): Promise<unknown> {
    if (mode === 'read-new') return this.#invoke('new', method, args);
    if (mode !== 'shadow-read' || !spec.shadow) return this.#invoke('old', method, args);
    const newRead = this.#bounded(this.#invoke('new', method, args));
    newRead.catch(() => undefined);
    const oldRead = this.#invoke('old', method, args);
    this.#track(this.#compare(oldRead, newRead, spec, method, args));
    return oldRead;
  }

  async #compare(
    oldRead: Promise<unknown>,
    newRead: Promise<unknown>,
    spec: NormalizedMethod,
    method: string,
    args: unknown[],
  ): Promise<void> {
    const base = { method, args, mode: 'shadow-read' as const };
    let oldResult: unknown;
    try {
      oldResult = await oldRead;
    } catch {
      return; // the caller gets this error; there is nothing to compare
    }
    try {
      const newResult = await newRead;
      if (!spec.compare(oldResult, newResult)) this.#record({ ...base, kind: 'mismatch', oldResult, newResult });
    } catch (e) {
      this.#record({ ...base, kind: 'read-error', oldResult, error: `the new side failed: ${errorMessage(e)}` });
    }
  }

  #invoke(side: Side, method: string, args: unknown[]): Promise<unknown> {
    const repo = this.s.sides[side];
    return (async () => repo[method]!.apply(repo, args as never[]))();
  }

  #bounded(work: Promise<unknown>): Promise<unknown> {
    const ms = this.s.secondaryTimeoutMs;
    if (!Number.isFinite(ms)) return work;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms}ms (it may still complete)`)), ms);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  #record(finding: Finding): void {
    const mismatch: ShadowMismatch = { ...finding, repository: this.s.repository, at: new Date() };
    this.#track(
      (async () => {
        try {
          await this.s.recorder.record(mismatch);
        } catch (e) {
          this.s.onError(
            new Error(
              `recording a ${mismatch.kind} of ${mismatch.repository}.${mismatch.method} failed: ${errorMessage(e)}`,
              { cause: e },
            ),
          );
        }
      })(),
    );
  }

  #track(work: Promise<void>): void {
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  }
}
