// The metrics tuning can select by, from jobs/evaluation: which family computes each (one pass of
// regressionMetrics gives RMSE and MAE; one of rankingMetrics gives all four top-K metrics) and
// whether lower or higher is better.

import { TuningError } from './errors.ts';

export type RegressionMetricName = 'rmse' | 'mae';
export type RankingMetricName = 'precisionAtK' | 'recallAtK' | 'mapAtK' | 'ndcgAtK';
export type TuningMetric = RegressionMetricName | RankingMetricName;

/** Every metric one evaluation of a candidate on a fold computed (its family's metrics). */
export type MetricValues = Partial<Record<TuningMetric, number>>;

const FAMILY: Record<TuningMetric, 'regression' | 'ranking'> = {
  rmse: 'regression', mae: 'regression',
  precisionAtK: 'ranking', recallAtK: 'ranking', mapAtK: 'ranking', ndcgAtK: 'ranking',
};

/** The metric's family and direction; an unknown name is an error listing the known ones. */
export function metricInfo(metric: unknown): { name: TuningMetric; family: 'regression' | 'ranking'; higherIsBetter: boolean } {
  if (typeof metric !== 'string' || !Object.hasOwn(FAMILY, metric)) {
    throw new TuningError('TUNING_BAD_OPTION', `unknown tuning metric ${JSON.stringify(metric)}; known metrics: ${Object.keys(FAMILY).join(', ')} (the ranking ones at the cut-off k).`);
  }
  const name = metric as TuningMetric;
  return { name, family: FAMILY[name], higherIsBetter: FAMILY[name] === 'ranking' };
}

/** Short label of a metric for tables ('RMSE', 'precision@10'). */
export function metricLabel(metric: TuningMetric, k: number): string {
  switch (metric) {
    case 'rmse': return 'RMSE';
    case 'mae': return 'MAE';
    case 'precisionAtK': return `precision@${k}`;
    case 'recallAtK': return `recall@${k}`;
    case 'mapAtK': return `MAP@${k}`;
    case 'ndcgAtK': return `NDCG@${k}`;
  }
}
