/** The catalog checks the shadow renderers attach to their statements. */
export { postgresProbes as shadowProbes } from './probes.js';
