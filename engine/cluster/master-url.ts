// Parses the --master value: where a session's tasks run.

import { InvalidInputError } from '../errors.ts';
import { availableParallelism } from 'node:os';

export type MasterSpec =
  | { kind: 'in-process' }
  | { kind: 'local-cluster'; executors: number }
  | { kind: 'standalone'; host: string; port: number };

/**
 * @example
 *   parseMaster('local')        // { kind: 'in-process' }
 *   parseMaster('local[4]')     // { kind: 'local-cluster', executors: 4 }
 *   parseMaster('local[*]')     // one executor per core
 */
export function parseMaster(master: string): MasterSpec {
  if (master === 'local') return { kind: 'in-process' };
  const local = /^local\[(\*|[0-9]+)\]$/.exec(master);
  if (local) {
    const n = local[1] === '*' ? availableParallelism() : Number(local[1]);
    if (n < 1 || n > 256) throw new InvalidInputError(`--master ${master}: the executor count must be between 1 and 256`);
    return { kind: 'local-cluster', executors: n };
  }
  const remote = /^dataflow:\/\/([^:/]+):([0-9]+)$/.exec(master);
  if (remote) return { kind: 'standalone', host: remote[1]!, port: Number(remote[2]) };
  throw new InvalidInputError(
    `--master '${master}' is not a master URL; use local (in-process), local[N] (N executor processes), local[*], or dataflow://host:port`,
  );
}
