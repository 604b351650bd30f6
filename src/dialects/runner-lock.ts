/** RunnerLockSql: filled in by the dialect-seam work (issue 10). */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface RunnerLockSql {}
