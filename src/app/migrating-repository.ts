/**
 * Seed 003's decorator: one repository object over an old and a new implementation of the same
 * interface, routed by feature flags (see migration-mode.ts for the four modes and
 * migration-router.ts for what each call waits for).
 *
 *   const orders = createMigratingRepository(oldOrders, newOrders, {
 *     name: 'Orders',
 *     methods: { findByCustomer: 'read', listAll: { kind: 'read', shadow: false }, place: 'write' },
 *     flags: featureManager,
 *     recorder: databaseMismatchRecorder(pool),
 *   });
 *   await orders.withContext({ userId }).findByCustomer(42);
 */
import {
  defaultModeFlags,
  isEnabledOf,
  type FlagSource,
  type MigrationMode,
  type ModeFlags,
} from './migration-mode.js';
import { normalizeMethod, type MethodKinds, type RepositoryShape } from './method-kinds.js';
import { MigrationRouter } from './migration-router.js';
import type { MismatchRecorder } from './mismatch-recorder.js';

export interface MigratingRepositoryOptions<T> {
  /** Recorded with every mismatch (the `repository` column) and the prefix of the default flag names. */
  name: string;
  /** Every method, declared 'read' or 'write' (reads may carry `compare` and `shadow: false`). */
  methods: MethodKinds<T>;
  /** `isEnabled(flag, context)`, or a FeatureManager. */
  flags: FlagSource;
  /** Default `<name>.DualWrite`, `<name>.ShadowRead`, `<name>.ReadNew`. */
  flagNames?: Partial<ModeFlags>;
  /** Where mismatches and secondary-side failures go: databaseMismatchRecorder or memoryMismatchRecorder. */
  recorder: MismatchRecorder;
  /** The flag context (e.g. a targeting context `{ userId }`) of a call; withContext() overrides it. */
  context?: (method: string, args: unknown[]) => unknown;
  /** How long a write waits for the secondary side, and a shadow read for the new side. Default 2000 ms. */
  secondaryTimeoutMs?: number;
  /** A recorder that failed. Default: a console warning. */
  onError?: (error: Error) => void;
}

export interface MigrationControls<T> {
  /** The same repository, evaluating flags with this context (e.g. `{ userId: request.user.id }`). */
  withContext(context: unknown): T;
  /** The mode a call with this context would take now. */
  currentMode(context?: unknown): Promise<MigrationMode>;
  /** Resolves once background shadow comparisons and recordings have finished (tests, shutdown). */
  whenIdle(): Promise<void>;
}

export type MigratingRepository<T> = T & MigrationControls<T>;

const CONTROLS = ['withContext', 'currentMode', 'whenIdle'];

function checkMethods(names: string[], oldRepo: object, newRepo: object, name: string): void {
  for (const method of names) {
    if (CONTROLS.includes(method))
      throw new TypeError(
        `${name}: a repository method may not be called ${method} (the migrating repository adds it)`,
      );
    for (const [side, repo] of [
      ['old', oldRepo],
      ['new', newRepo],
    ] as const) {
      if (typeof (repo as Record<string, unknown>)[method] !== 'function')
        throw new TypeError(`${name}: the ${side} repository has no method ${method}`);
    }
  }
}

export function createMigratingRepository<T extends RepositoryShape<T>>(
  oldRepo: T,
  newRepo: T,
  options: MigratingRepositoryOptions<T>,
): MigratingRepository<T> {
  const names = Object.keys(options.methods);
  checkMethods(names, oldRepo, newRepo, options.name);
  const router = new MigrationRouter({
    repository: options.name,
    sides: { old: oldRepo, new: newRepo },
    methods: new Map(
      names.map((n) => [
        n,
        normalizeMethod((options.methods as Record<string, Parameters<typeof normalizeMethod>[0]>)[n]!),
      ]),
    ),
    isEnabled: isEnabledOf(options.flags),
    flags: { ...defaultModeFlags(options.name), ...options.flagNames },
    recorder: options.recorder,
    secondaryTimeoutMs: options.secondaryTimeoutMs ?? 2000,
    onError: options.onError ?? ((error) => console.warn(`schemashift: ${error.message}`)),
  });
  const bind = (contextOf: (method: string, args: unknown[]) => unknown) =>
    Object.fromEntries(
      names.map((method) => [method, (...args: unknown[]) => router.call(method, args, contextOf(method, args))]),
    ) as unknown as T;
  const controls: MigrationControls<T> = {
    withContext: (context) => bind(() => context),
    currentMode: (context) => router.mode(context),
    whenIdle: () => router.whenIdle(),
  };
  return Object.assign(bind(options.context ?? (() => undefined)), controls);
}
