// Ctrl-C (SIGINT) or SIGTERM during `dataflow submit`: stop the job and the session (executor
// processes stopped, the driver's work directory removed), then exit 130. A second signal while
// that runs exits at once; the next session reclaims the work directory (cluster/work-dir.ts).

/** The exit code of an interrupted submit (128 + SIGINT, as shells report Ctrl-C). */
export const INTERRUPTED_EXIT_CODE = 130;

/**
 * Signal handling for the lifetime of one submit.
 *
 * @example
 * const interruption = new Interruption();
 * try {
 *   const creating = Session.create({ master: 'local[2]' });
 *   interruption.onInterrupt(async () => (await creating).stop());
 *   await job(await creating);
 * } finally {
 *   await interruption.exitIfInterrupted(); // the signal's exit code, not the error it caused
 *   interruption.dispose();
 * }
 */
export class Interruption {
  private readonly cleanups: Array<() => Promise<unknown>> = [];
  private exiting: Promise<void> | undefined;
  private readonly handler = (signal: NodeJS.Signals): void => this.interrupt(signal);

  constructor(private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)) {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
  }

  /** Registers what to stop when a signal arrives (run together; failures are ignored). */
  onInterrupt(cleanup: () => Promise<unknown>): void {
    this.cleanups.push(cleanup);
  }

  /** If a signal arrived, waits for the cleanup, which ends the process; otherwise returns. */
  async exitIfInterrupted(): Promise<void> {
    if (this.exiting) await this.exiting;
  }

  dispose(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
  }

  private interrupt(signal: NodeJS.Signals): void {
    if (this.exiting) {
      this.log(`dataflow: ${signal} again; exiting without waiting for the cleanup`);
      process.exit(INTERRUPTED_EXIT_CODE);
    }
    this.log(`dataflow: ${signal}: stopping the job and its executors`);
    this.exiting = Promise.allSettled(this.cleanups.map((cleanup) => cleanup())).then(() => process.exit(INTERRUPTED_EXIT_CODE));
  }
}
