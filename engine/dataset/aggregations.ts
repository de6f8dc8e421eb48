// Built-in aggregations for aggregateByKey. They run on typed arrays with map-side combine.

import type { AggSpec } from '../kernels/aggregate.ts';

/** Number of rows per key (Int32). @example ds.aggregateByKey(['itemId'], { n: count() }) */
export const count = (): AggSpec => ({ fn: 'count' });
/** Sum of a numeric column (Float64; nulls ignored). */
export const sum = (column: string): AggSpec => ({ fn: 'sum', column });
/** Mean of a numeric column (Float64; nulls ignored). */
export const mean = (column: string): AggSpec => ({ fn: 'mean', column });
/** Smallest value of a numeric column. */
export const min = (column: string): AggSpec => ({ fn: 'min', column });
/** Largest value of a numeric column. */
export const max = (column: string): AggSpec => ({ fn: 'max', column });
