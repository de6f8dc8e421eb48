// The --chaos spec: the old seed:probability form, the parts form, and errors that name the bad
// part and the valid forms.

import { describe, expect, it } from 'vitest';
import { Chaos, parseChaosSpec } from '../../../engine/executor/chaos.ts';

describe('--chaos spec', () => {
  it('keeps seed:probability as a kill at task starts', () => {
    expect(parseChaosSpec('7:0.05')).toEqual({ seed: 7, kill: 0.05, dropConnection: 0, delayMs: undefined });
  });

  it('reads drop-connection, delay-ms, kill and seed parts in any order', () => {
    expect(parseChaosSpec('drop-connection:0.05,delay-ms:0-200,seed:7')).toEqual({ seed: 7, kill: 0, dropConnection: 0.05, delayMs: { min: 0, max: 200 } });
    expect(parseChaosSpec(' seed:3, kill:1, delay-ms:50 ')).toEqual({ seed: 3, kill: 1, dropConnection: 0, delayMs: { min: 50, max: 50 } });
  });

  it.each([
    ['drop-connection:2,seed:7', "'drop-connection:2' needs a probability between 0 and 1, got '2'"],
    ['delay-ms:200-10', "'delay-ms:200-10' needs MIN-MAX milliseconds"],
    ['drop:0.1', "'drop:0.1' names no chaos 'drop'"],
    ['seed:7', 'injects no fault'],
    ['seed:x,kill:1', "'seed:x' needs a non-negative integer seed"],
    ['kill', "'kill' is not name:value"],
    ['kill:0.1,kill:0.2', 'sets kill twice'],
    ['7:1.5', "needs a probability between 0 and 1, got '1.5'"],
  ])('refuses %s naming the bad part and the valid forms', (spec, why) => {
    expect(() => parseChaosSpec(spec)).toThrow(why);
    expect(() => parseChaosSpec(spec)).toThrow(/valid forms are 'seed:probability'.*drop-connection:0\.05,delay-ms:0-200,seed:7/);
  });

  it('gives each task thread its own replayable sequence', () => {
    const a = Chaos.parse('kill:0.5,seed:9');
    expect(a.forThread(1).spec.seed).toBe(a.forThread(1).spec.seed);
    expect(a.forThread(1).spec.seed).not.toBe(a.forThread(2).spec.seed);
  });
});
