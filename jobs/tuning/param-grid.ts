// paramGrid: every combination of the listed values of each parameter (Spark's ParamGridBuilder,
// scikit-learn's ParameterGrid), as plain option objects ready to merge over a model's options.

import { TuningError } from './errors.ts';

/** For each parameter, the values to try. */
export type ParamGridSpec<P extends object> = { [K in keyof P]?: ReadonlyArray<P[K]> };

/**
 * The cartesian product of `spec`: one object per combination, the first parameter varying slowest
 * (as nested loops in the order the keys were written). An empty spec gives one empty candidate.
 *
 * @example
 *   paramGrid<AlsOptions>({ rank: [10, 20], regParam: [0.05, 0.1] });
 *   // [{ rank: 10, regParam: 0.05 }, { rank: 10, regParam: 0.1 }, { rank: 20, regParam: 0.05 }, { rank: 20, regParam: 0.1 }]
 */
export function paramGrid<P extends object>(spec: ParamGridSpec<P>): Array<Partial<P>> {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new TuningError('TUNING_BAD_SPACE', `paramGrid: expected an object of parameter → list of values, got ${describe(spec)}. Example: { rank: [10, 20], regParam: [0.05, 0.1] }.`);
  }
  let out: Array<Record<string, unknown>> = [{}];
  for (const [name, values] of Object.entries(spec as Record<string, unknown>)) {
    if (!Array.isArray(values) || values.length === 0) {
      throw new TuningError('TUNING_BAD_SPACE', `paramGrid: parameter '${name}' must be a non-empty list of values to try, got ${describe(values)}. Example: ${name}: [${describe(values) === 'undefined' ? '1, 2' : describe(values)}].`);
    }
    out = out.flatMap((partial) => values.map((v: unknown) => ({ ...partial, [name]: v })));
  }
  return out as Array<Partial<P>>;
}

/** A value as it appears in messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
