// The chaos switch (`--chaos`): an executor that kills itself (as SIGKILL would) at the start of a
// random subset of its tasks, drops its connections to the driver and to other executors' block
// servers at random sends, and delays its outgoing frames, all from a seeded generator so a failing
// run can be replayed. Used by tests, demos and bench/recovery.ts to exercise recovery on purpose.

import { InvalidInputError } from '../errors.ts';
import { installConnectionFaults } from '../transport/index.ts';

const FORMS = "'seed:probability' (e.g. 7:0.05: kill at task starts) or comma-separated parts " +
  "'kill:P', 'drop-connection:P', 'delay-ms:MIN-MAX' (or 'delay-ms:N'), 'seed:N', with P in [0, 1] " +
  "(e.g. drop-connection:0.05,delay-ms:0-200,seed:7)";

/** The connections a chaotic executor drops: the one to its driver, those to other block servers. */
const DROPPED_ROLES = ['driver', 'block-server'];

export interface ChaosSpec {
  seed: number;
  /** Chance of dying at each task start. */
  kill: number;
  /** Chance, per frame sent to the driver or to a block server, of dropping that connection instead. */
  dropConnection: number;
  delayMs: { min: number; max: number } | undefined;
}

export class Chaos {
  private state: number;

  constructor(readonly spec: ChaosSpec) {
    this.state = spec.seed >>> 0 || 1;
  }

  /** Parses `seed:probability` (e.g. `7:0.05`) or `drop-connection:0.05,delay-ms:0-200,seed:7`. */
  static parse(text: string): Chaos {
    return new Chaos(parseChaosSpec(text));
  }

  /** A generator for another thread of the same process: the same spec, its own sequence. */
  forThread(threadId: number): Chaos {
    return new Chaos({ ...this.spec, seed: (this.spec.seed + threadId * 0x9e3779b1) >>> 0 });
  }

  /** xorshift32: small, seeded, the same sequence on every platform. */
  private next(): number {
    let x = this.state;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.state = x;
    return x / 2 ** 32;
  }

  /** Makes this thread's connections drop and delay frames as the spec says (nothing if it asks for neither). */
  installConnectionFaults(): void {
    const { dropConnection, delayMs } = this.spec;
    if (dropConnection === 0 && delayMs === undefined) return;
    installConnectionFaults({ dropProbability: dropConnection, dropRoles: DROPPED_ROLES, delayMs, random: () => this.next() });
  }

  maybeKill(where: string): void {
    if (this.spec.kill > 0 && this.next() < this.spec.kill) {
      process.stderr.write(`chaos: executor ${process.pid} dies at ${where}\n`);
      process.kill(process.pid, 'SIGKILL');
    }
  }
}

function bad(text: string, part: string, why: string): InvalidInputError {
  return new InvalidInputError(`--chaos '${text}': ${part === '' ? '' : `'${part}' `}${why}; the valid forms are ${FORMS}`);
}

function probability(text: string, part: string, value: string): number {
  if (!/^(0(\.[0-9]+)?|1(\.0+)?|\.[0-9]+)$/.test(value)) throw bad(text, part, `needs a probability between 0 and 1, got '${value}'`);
  return Number(value);
}

export function parseChaosSpec(text: string): ChaosSpec {
  const trimmed = text.trim();
  const legacy = /^([0-9]+):([0-9.]+)$/.exec(trimmed);
  if (legacy) return { seed: Number(legacy[1]), kill: probability(text, trimmed, legacy[2]), dropConnection: 0, delayMs: undefined };
  const spec: ChaosSpec = { seed: 1, kill: 0, dropConnection: 0, delayMs: undefined };
  const seen = new Set<string>();
  for (const raw of trimmed.split(',')) {
    const part = raw.trim();
    const colon = part.indexOf(':');
    if (colon < 0) throw bad(text, part, 'is not name:value');
    const name = part.slice(0, colon);
    const value = part.slice(colon + 1);
    if (seen.has(name)) throw bad(text, part, `sets ${name} twice`);
    seen.add(name);
    if (name === 'seed') {
      if (!/^[0-9]+$/.test(value)) throw bad(text, part, `needs a non-negative integer seed, got '${value}'`);
      spec.seed = Number(value);
    } else if (name === 'kill') {
      spec.kill = probability(text, part, value);
    } else if (name === 'drop-connection') {
      spec.dropConnection = probability(text, part, value);
    } else if (name === 'delay-ms') {
      const range = /^([0-9]+)(?:-([0-9]+))?$/.exec(value);
      const min = range ? Number(range[1]) : NaN;
      const max = range ? Number(range[2] ?? range[1]) : NaN;
      if (!range || max < min || max > 60_000) throw bad(text, part, `needs MIN-MAX milliseconds with MIN ≤ MAX ≤ 60000 (or one number), got '${value}'`);
      spec.delayMs = max === 0 ? undefined : { min, max };
    } else {
      throw bad(text, part, `names no chaos '${name}'`);
    }
  }
  if (spec.kill === 0 && spec.dropConnection === 0 && spec.delayMs === undefined) throw bad(text, '', 'injects no fault (give kill, drop-connection or delay-ms)');
  return spec;
}
