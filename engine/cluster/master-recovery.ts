// The master's recovery file (`dataflow master --recovery-dir DIR`, like Spark's FILESYSTEM
// recovery mode): applications, executors and grants, rewritten whole after every change (a
// temporary file, fsync, rename), so a master killed at any moment leaves the old state or the new
// one, never half of either; a master restarted on the same folder reads it back.

import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../errors.ts';
import type { MasterSnapshot } from './master-state.ts';

export interface RecoveredMaster {
  /** Applications are numbered on from here, so no id is given twice. */
  nextApp: number;
  snapshot: MasterSnapshot;
}

const FILE = 'master-state.json';
const VERSION = 1;

export class MasterRecoveryFile {
  readonly path: string;
  private written = '';

  constructor(readonly dir: string) {
    this.path = join(dir, FILE);
  }

  /** The state a previous master left, or undefined for an empty (or new) folder. */
  read(): RecoveredMaster | undefined {
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (error) {
      throw new InvalidInputError(`--recovery-dir ${this.dir} cannot be created: ${(error as NodeJS.ErrnoException).code ?? String(error)}; give a folder this user may write`);
    }
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new InvalidInputError(`cannot read the master's recovery file ${this.path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    const state = parseRecovered(text);
    if (!state) {
      throw new InvalidInputError(
        `the master's recovery file ${this.path} is not one this master wrote (version ${VERSION}); ` +
          'remove it to start with no applications and executors (they register again on their own)',
      );
    }
    this.written = text;
    return state;
  }

  /** Replaces the file with `state` (nothing is written when it is unchanged). */
  write(state: RecoveredMaster): void {
    const text = JSON.stringify({ version: VERSION, ...state });
    if (text === this.written) return;
    const temp = `${this.path}.tmp-${process.pid}`;
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.path);
    this.written = text;
  }
}

function parseRecovered(text: string): RecoveredMaster | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const v = value as { version?: unknown; nextApp?: unknown; snapshot?: { apps?: unknown; executors?: unknown } } | null;
  if (!v || v.version !== VERSION || !Number.isInteger(v.nextApp) || !v.snapshot) return undefined;
  const { apps, executors } = v.snapshot;
  if (!Array.isArray(apps) || !Array.isArray(executors)) return undefined;
  const appsOk = apps.every((a: { appId?: unknown; maxCores?: unknown; driver?: { name?: unknown; host?: unknown; port?: unknown } }) =>
    typeof a?.appId === 'string' && typeof a.maxCores === 'number' && typeof a.driver?.name === 'string' &&
    typeof a.driver.host === 'string' && Number.isInteger(a.driver.port));
  const executorsOk = executors.every((e: { executorId?: unknown; cores?: unknown; grants?: unknown }) =>
    typeof e?.executorId === 'string' && Number.isInteger(e.cores) && typeof e.grants === 'object' && e.grants !== null &&
    Object.values(e.grants).every((slots) => Number.isInteger(slots)));
  if (!appsOk || !executorsOk) return undefined;
  return { nextApp: v.nextApp as number, snapshot: { apps, executors } as MasterSnapshot };
}
