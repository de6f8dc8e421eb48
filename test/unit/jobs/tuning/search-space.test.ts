// Search spaces of tuning: a grid is every combination in nested-loop order, random search draws the
// same candidates for the same seed and stays inside its ranges, and malformed spaces are refused
// naming the parameter.

import { describe, expect, it } from 'vitest';
import { paramGrid } from '../../../../jobs/tuning/param-grid.ts';
import { randomSearch } from '../../../../jobs/tuning/random-search.ts';
import { TuningError } from '../../../../jobs/tuning/errors.ts';
import type { AlsOptions } from '../../../../jobs/als/index.ts';

describe('paramGrid', () => {
  it('gives every combination, the first parameter varying slowest', () => {
    const grid = paramGrid<AlsOptions>({ rank: [10, 20], regParam: [0.05, 0.1, 0.2], biases: [true] });
    expect(grid).toEqual([
      { rank: 10, regParam: 0.05, biases: true }, { rank: 10, regParam: 0.1, biases: true }, { rank: 10, regParam: 0.2, biases: true },
      { rank: 20, regParam: 0.05, biases: true }, { rank: 20, regParam: 0.1, biases: true }, { rank: 20, regParam: 0.2, biases: true },
    ]);
    expect(paramGrid<AlsOptions>({})).toEqual([{}]);
  });

  it('refuses a parameter without values, naming it', () => {
    expect(() => paramGrid<AlsOptions>({ rank: [10], regParam: [] })).toThrow(/parameter 'regParam' must be a non-empty list of values to try, got \[\]/);
    expect(() => paramGrid({ alpha: 5 } as never)).toThrow(TuningError);
    expect(() => paramGrid({ alpha: 5 } as never)).toThrow(/parameter 'alpha' .* got 5/);
  });
});

describe('randomSearch', () => {
  const space = { rank: { min: 8, max: 64, integer: true }, regParam: { min: 0.01, max: 1, scale: 'log' as const }, alpha: [0.5, 1, 5], solver: ['cg', 'cholesky'] as Array<'cg' | 'cholesky'> };

  it('draws the same candidates for the same seed and others for another seed', () => {
    const a = randomSearch<AlsOptions>(space, { samples: 20, seed: 7 });
    expect(randomSearch<AlsOptions>(space, { samples: 20, seed: 7 })).toEqual(a);
    expect(randomSearch<AlsOptions>(space, { samples: 20, seed: 8 })).not.toEqual(a);
    expect(a).toHaveLength(20);
    // a longer search begins with the shorter one's candidates
    expect(randomSearch<AlsOptions>(space, { samples: 30, seed: 7 }).slice(0, 20)).toEqual(a);
  });

  it('stays inside each range, rounds integer ranges and picks only listed values', () => {
    const drawn = randomSearch<AlsOptions>(space, { samples: 500, seed: 1 });
    const ranks = new Set(drawn.map((c) => c.rank!));
    for (const c of drawn) {
      expect(Number.isInteger(c.rank)).toBe(true);
      expect(c.rank).toBeGreaterThanOrEqual(8);
      expect(c.rank).toBeLessThanOrEqual(64);
      expect(c.regParam).toBeGreaterThanOrEqual(0.01);
      expect(c.regParam).toBeLessThanOrEqual(1);
      expect([0.5, 1, 5]).toContain(c.alpha);
      expect(['cg', 'cholesky']).toContain(c.solver);
    }
    expect(ranks.has(8) && ranks.has(64)).toBe(true); // both ends reachable
    expect(new Set(drawn.map((c) => c.alpha)).size).toBe(3);
    // log scale: about half the draws of [0.01, 1] fall below 0.1 (a linear draw would put 9 % there)
    const below = drawn.filter((c) => c.regParam! < 0.1).length / drawn.length;
    expect(below).toBeGreaterThan(0.4);
    expect(below).toBeLessThan(0.6);
  });

  it('refuses malformed ranges and options, naming the parameter', () => {
    expect(() => randomSearch({ regParam: { min: 1, max: 0.5 } }, { samples: 3, seed: 1 })).toThrow(/parameter 'regParam' must be a list of values or a range \{ min, max \} with finite min ≤ max/);
    expect(() => randomSearch({ regParam: { min: 0, max: 1, scale: 'log' } }, { samples: 3, seed: 1 })).toThrow(/parameter 'regParam' has scale 'log' but min 0/);
    expect(() => randomSearch({ rank: { min: 2.2, max: 2.8, integer: true } }, { samples: 3, seed: 1 })).toThrow(/'rank' is an integer range \[2.2, 2.8\] that holds no integer/);
    expect(() => randomSearch({ alpha: [] }, { samples: 3, seed: 1 })).toThrow(/parameter 'alpha' has an empty list/);
    expect(() => randomSearch({ alpha: [1] }, { samples: 0, seed: 1 })).toThrow(/samples must be an integer ≥ 1, got 0/);
    expect(() => randomSearch({ alpha: [1] }, { samples: 2, seed: 0.5 })).toThrow(/seed must be an integer, got 0.5/);
  });
});
