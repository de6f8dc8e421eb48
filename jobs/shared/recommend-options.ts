// Options of every recommender's top-K verbs (ALS's recommendFor*, SVD's recommendFor*): one type,
// so that switching the model behind a recommendation does not change how it is asked for.

import type { Dataset, Row } from '../../engine/index.ts';

export interface RecommendOptions {
  /**
   * Leave out what each user (item) already rated: true (default) uses the training ratings, false
   * keeps them. ALS also takes a ratings dataset to exclude instead; SVD rejects one.
   */
  exclude?: boolean | Dataset<Row>;
  /** Partitions of the recommendations (default: ALS 4, SVD the model's row partitions). */
  numPartitions?: number;
}
