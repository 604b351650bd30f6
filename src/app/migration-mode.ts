/**
 * Which way a migrating repository routes a call, chosen by feature flags (seed 003's switches):
 *   off          old only
 *   dual-write   writes to both (old first, new failures recorded), reads old
 *   shadow-read  writes to both, reads both, compares, returns the old result
 *   read-new     reads new, writes to both (new first, old failures recorded)
 * The furthest enabled flag wins: read-new, then shadow-read, then dual-write.
 */
export type MigrationMode = 'off' | 'dual-write' | 'shadow-read' | 'read-new';

export type IsEnabled = (flag: string, context?: unknown) => boolean | Promise<boolean>;

/** An `isEnabled(flag, context)` function, or anything with that method (a FeatureManager). */
export type FlagSource = IsEnabled | { isEnabled(flag: string, context?: unknown): boolean | Promise<boolean> };

export interface ModeFlags {
  dualWrite: string;
  shadowRead: string;
  readNew: string;
}

/** `Orders.DualWrite`, `Orders.ShadowRead`, `Orders.ReadNew` for a repository named Orders. */
export function defaultModeFlags(repository: string): ModeFlags {
  return {
    dualWrite: `${repository}.DualWrite`,
    shadowRead: `${repository}.ShadowRead`,
    readNew: `${repository}.ReadNew`,
  };
}

export function isEnabledOf(source: FlagSource): IsEnabled {
  return typeof source === 'function' ? source : (flag, context) => source.isEnabled(flag, context);
}

export async function currentMode(isEnabled: IsEnabled, flags: ModeFlags, context: unknown): Promise<MigrationMode> {
  if (await isEnabled(flags.readNew, context)) return 'read-new';
  if (await isEnabled(flags.shadowRead, context)) return 'shadow-read';
  if (await isEnabled(flags.dualWrite, context)) return 'dual-write';
  return 'off';
}
