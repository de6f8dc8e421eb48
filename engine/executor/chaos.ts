// The chaos switch: with `--chaos seed:probability` an executor kills itself (as SIGKILL would)
// at the start of a random subset of its tasks, chosen by a seeded generator so a failing run can
// be replayed. Used by tests and demos to exercise recovery on purpose.

import { InvalidInputError } from '../errors.ts';

export class Chaos {
  private state: number;

  constructor(seed: number, private readonly probability: number) {
    this.state = seed >>> 0 || 1;
  }

  /** Parses `seed:probability`, e.g. `7:0.05`. */
  static parse(spec: string): Chaos {
    const match = /^([0-9]+):(0(\.[0-9]+)?|1(\.0+)?)$/.exec(spec.trim());
    if (!match) throw new InvalidInputError(`--chaos '${spec}' is not seed:probability (e.g. --chaos 7:0.05)`);
    return new Chaos(Number(match[1]), Number(match[2]));
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

  maybeKill(where: string): void {
    if (this.next() < this.probability) {
      process.stderr.write(`chaos: executor ${process.pid} dies at ${where}\n`);
      process.kill(process.pid, 'SIGKILL');
    }
  }
}
