// randomSearch: n candidates drawn from ranges and lists of parameter values with a seeded
// generator (Bergstra and Bengio's random search; scikit-learn's ParameterSampler), the same for
// the same seed on any machine.

import { TuningError } from './errors.ts';
import { describe } from './param-grid.ts';
import { mulberry32 } from '../../engine/extend.ts';

/** A numeric range; `scale: 'log'` draws uniformly in log space (for λ, α); `integer` rounds. */
export interface ParamRange {
  min: number;
  max: number;
  scale?: 'linear' | 'log';
  integer?: boolean;
}

/** For each parameter, a list to pick from uniformly, or a numeric range. */
export type RandomSearchSpace<P extends object> = { [K in keyof P]?: ReadonlyArray<P[K]> | ParamRange };

export interface RandomSearchOptions {
  /** How many candidates to draw (≥ 1). */
  samples: number;
  /** Seed of the generator (an integer). */
  seed: number;
}

/**
 * `samples` candidates; each draws every parameter in the order the keys were written, so adding a
 * parameter at the end leaves the earlier draws unchanged. Equal draws are kept (they are rare
 * with ranges; dedupe lists with paramGrid instead).
 *
 * @example
 *   randomSearch<AlsOptions>({ rank: { min: 8, max: 64, integer: true }, regParam: { min: 0.01, max: 1, scale: 'log' }, alpha: [1, 5] }, { samples: 8, seed: 7 });
 */
export function randomSearch<P extends object>(space: RandomSearchSpace<P>, options: RandomSearchOptions): Array<Partial<P>> {
  if (space === null || typeof space !== 'object' || Array.isArray(space)) {
    throw new TuningError('TUNING_BAD_SPACE', `randomSearch: expected an object of parameter → list or { min, max }, got ${describe(space)}.`);
  }
  const { samples, seed } = options ?? ({} as RandomSearchOptions);
  if (!Number.isInteger(samples) || samples < 1) throw new TuningError('TUNING_BAD_OPTION', `randomSearch: samples must be an integer ≥ 1, got ${describe(samples)}.`);
  if (!Number.isInteger(seed)) throw new TuningError('TUNING_BAD_OPTION', `randomSearch: seed must be an integer, got ${describe(seed)}. The same seed always gives the same candidates.`);
  const draws = Object.entries(space as Record<string, unknown>).map(([name, domain]) => [name, drawerOf(name, domain)] as const);
  const random = mulberry32(seed);
  return Array.from({ length: samples }, () => Object.fromEntries(draws.map(([name, draw]) => [name, draw(random)])) as Partial<P>);
}

function drawerOf(name: string, domain: unknown): (random: () => number) => unknown {
  if (Array.isArray(domain)) {
    if (domain.length === 0) throw new TuningError('TUNING_BAD_SPACE', `randomSearch: parameter '${name}' has an empty list of values; give at least one.`);
    return (random) => domain[Math.floor(random() * domain.length)];
  }
  const range = domain as ParamRange;
  if (range === null || typeof range !== 'object' || typeof range.min !== 'number' || typeof range.max !== 'number' || !Number.isFinite(range.min) || !Number.isFinite(range.max) || range.min > range.max) {
    throw new TuningError('TUNING_BAD_SPACE', `randomSearch: parameter '${name}' must be a list of values or a range { min, max } with finite min ≤ max, got ${describe(domain)}.`);
  }
  const scale = range.scale ?? 'linear';
  if (scale !== 'linear' && scale !== 'log') throw new TuningError('TUNING_BAD_SPACE', `randomSearch: parameter '${name}' has scale ${describe(scale)}; use 'linear' or 'log'.`);
  if (scale === 'log' && range.min <= 0) throw new TuningError('TUNING_BAD_SPACE', `randomSearch: parameter '${name}' has scale 'log' but min ${range.min} ≤ 0; a log range needs min > 0.`);
  const { min, max, integer = false } = range;
  if (integer && Math.ceil(min) > Math.floor(max)) throw new TuningError('TUNING_BAD_SPACE', `randomSearch: parameter '${name}' is an integer range [${min}, ${max}] that holds no integer.`);
  return (random) => {
    const u = random();
    if (integer) {
      const lo = Math.ceil(min);
      const hi = Math.floor(max);
      if (scale === 'linear') return lo + Math.floor(u * (hi - lo + 1));
      return Math.min(hi, Math.max(lo, Math.round(Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))))));
    }
    return scale === 'linear' ? min + u * (max - min) : Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min)));
  };
}
