// esbuild's JavaScript API talks to one service process per thread, started on first use and kept
// until the thread ends. Builds run through here stop it when the last running one ends, so a
// driver has no esbuild child while its job runs and none still exiting after it.

import type * as esbuild from 'esbuild';

/** Builds in flight in this thread through withEsbuild. */
let running = 0;

/**
 * Runs `build` with esbuild's API, then stops the service unless another build is still running;
 * the next call starts a new one (a few milliseconds).
 *
 * @example const result = await withEsbuild((e) => e.build({ entryPoints: ['job.ts'], write: false }));
 */
export async function withEsbuild<T>(build: (api: typeof esbuild) => Promise<T>): Promise<T> {
  const api = await import('esbuild'); // loaded only by the processes that build
  running++;
  try {
    return await build(api);
  } finally {
    if (--running === 0) await api.stop();
  }
}
