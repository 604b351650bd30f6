import type { RunnerLockSql } from '../runner-lock.js';

export const postgresRunnerLock: RunnerLockSql = {};
