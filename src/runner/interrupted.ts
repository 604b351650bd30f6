/** Thrown when the run was asked to stop (Ctrl-C, SIGTERM) and stopped at a safe boundary. */
export class InterruptedError extends Error {
  constructor(readonly at: string) {
    super(`interrupted ${at}`);
    this.name = 'InterruptedError';
  }
}
