import type { Probes } from '../probes.js';

export const postgresProbes: Probes = {};
