// The tuning loop every model shares: splits built and cached one fold at a time (as Spark's
// CrossValidator), every live candidate trained and scored on that fold with a bounded number in
// flight on the session (the scheduler runs several jobs at once, so candidates share the
// executors), hopeless candidates optionally stopped after the first folds, and the best refitted
// on all the data.
//
// Fold-major order keeps one fold's train and test sets cached at a time (memory ≈ the input, not
// k times it) and lets early stopping compare candidates on the same folds.

import type { Dataset, Row } from '../../engine/index.ts';
import { mostPopular, rankingMetrics, relevantItems } from '../evaluation/index.ts';
import { TuningError } from './errors.ts';
import { metricInfo, metricLabel } from './metrics.ts';
import type { MetricValues, TuningMetric } from './metrics.ts';
import { describe } from './param-grid.ts';
import { resolveValidation, splitsOf } from './validation.ts';
import type { ResolvedValidation, TuningValidation } from './validation.ts';

/** What the shared loop needs of a model (ALS, SVD): train, and the two ways of scoring. */
export interface Learner<P, M> {
  /** 'tuneAls', 'tuneSvd': the function named in messages. */
  name: string;
  columns: { userColumn: string; itemColumn: string; ratingColumn: string };
  train(ratings: Dataset<Row>, options: P): Promise<M>;
  /** RMSE and MAE of the model's predictions for `test` (cold-start pairs the model cannot score are skipped). */
  regression(model: M, test: Dataset<Row>): Promise<{ rmse: number; mae: number }>;
  /** Each user's top k, training items excluded, in the shape rankingMetrics reads. */
  recommend(model: M, k: number): Promise<Dataset<Row>>;
  /** True for an error that belongs to one candidate (a rank larger than the data allows); any other error stops tuning. */
  candidateError(error: unknown): boolean;
}

/** Options of every tuner (tuneAls, tuneSvd). */
export interface TuningOptions<P extends object> {
  /** The candidates' parameters (paramGrid or randomSearch), each merged over `base`. */
  candidates: ReadonlyArray<Partial<P>>;
  /** The metric that selects the best: 'rmse', 'mae', 'precisionAtK', 'recallAtK', 'mapAtK', 'ndcgAtK'. */
  metric: TuningMetric;
  /** Cut-off of the ranking metrics (default 10). */
  k?: number;
  /** Ranking metrics: test ratings ≥ minRating are relevant (default: every test rating). */
  minRating?: number;
  /** { folds: 5 } (default, seed 42) or { trainRatio: 0.8 }. */
  validation?: TuningValidation;
  /** Candidates trained at once on the session (default max(2, executor slots)). */
  parallelism?: number;
  /**
   * After `afterFolds` folds (default 1), stop a candidate whose mean so far is worse than the best
   * live mean by more than `margin` (relative: 0.02 = 2 % worse); its partial scores are kept.
   */
  earlyStop?: { afterFolds?: number; margin: number };
  /** Ranking metrics: also score the most-popular recommender on the same folds (result.baseline). */
  baseline?: 'mostPopular';
  /** Train the best candidate on all the ratings (default true): result.model. */
  refit?: boolean;
  /** Called as each candidate finishes a fold (progress lines). */
  onProgress?: (event: TuningProgress) => void;
}

export interface TuningProgress { fold: number; folds: number; candidate: number; params: object; score: number; seconds: number }

/** One candidate: its parameters, its score on each fold it ran and their mean. */
export interface CandidateResult<P extends object> {
  index: number;
  params: Partial<P>;
  /** The selection metric on each fold evaluated, in fold order. */
  scores: number[];
  /** Every metric of the metric's family on each fold (RMSE and MAE, or the four ranking metrics). */
  metrics: MetricValues[];
  mean: number;
  /** Sample standard deviation of `scores` (0 with one fold). */
  sd: number;
  /** Seconds of training and scoring, summed over its folds (wall clock; candidates overlap). */
  seconds: number;
  /** complete: every fold; stopped: dropped by earlyStop; failed: its training failed (see error). */
  status: 'complete' | 'stopped' | 'failed';
  error?: string;
}

export interface FoldInfo { trainRows: number; testRows: number; cachedBytes: number }

export interface BaselineResult { name: 'mostPopular'; scores: number[]; metrics: MetricValues[]; mean: number; sd: number }

export interface TuningResult<P extends object, M> {
  metric: TuningMetric;
  /** 'RMSE', 'precision@10', ... */
  label: string;
  higherIsBetter: boolean;
  k: number;
  validation: ResolvedValidation;
  /** Each fold's sizes and the bytes its train and test sets cached (built once, read by every candidate). */
  folds: FoldInfo[];
  candidates: Array<CandidateResult<P>>;
  best: CandidateResult<P>;
  /** The options the best was trained with: base merged with its parameters. */
  bestOptions: P;
  /** The best candidate trained on all the ratings (undefined with refit: false). */
  model: M | undefined;
  baseline?: BaselineResult;
  seconds: { total: number; refit: number };
}

/** Checks the options shared by every tuner; throws before any job runs. */
export function checkTuningOptions<P extends object>(name: string, options: TuningOptions<P>): void {
  if (options === null || typeof options !== 'object') throw new TuningError('TUNING_BAD_OPTION', `${name}: options { candidates, metric } are required, got ${describe(options)}.`);
  if (!Array.isArray(options.candidates) || options.candidates.length === 0) {
    throw new TuningError('TUNING_BAD_OPTION', `${name}: candidates must be a non-empty list (from paramGrid or randomSearch), got ${describe(options.candidates)}.`);
  }
  const { family } = metricInfo(options.metric);
  const k = options.k ?? 10;
  if (!Number.isInteger(k) || k < 1) throw new TuningError('TUNING_BAD_OPTION', `${name}: k must be an integer ≥ 1, got ${describe(options.k)}.`);
  if (options.minRating !== undefined && (typeof options.minRating !== 'number' || Number.isNaN(options.minRating))) {
    throw new TuningError('TUNING_BAD_OPTION', `${name}: minRating must be a number, got ${describe(options.minRating)}.`);
  }
  resolveValidation(options.validation);
  if (options.parallelism !== undefined && (!Number.isInteger(options.parallelism) || options.parallelism < 1)) {
    throw new TuningError('TUNING_BAD_OPTION', `${name}: parallelism must be an integer ≥ 1, got ${describe(options.parallelism)}.`);
  }
  if (options.earlyStop !== undefined) {
    const { afterFolds = 1, margin } = options.earlyStop;
    if (!Number.isInteger(afterFolds) || afterFolds < 1) throw new TuningError('TUNING_BAD_OPTION', `${name}: earlyStop.afterFolds must be an integer ≥ 1, got ${describe(afterFolds)}.`);
    if (typeof margin !== 'number' || !(margin >= 0) || !Number.isFinite(margin)) throw new TuningError('TUNING_BAD_OPTION', `${name}: earlyStop.margin must be a finite number ≥ 0 (relative, 0.02 = 2 %), got ${describe(margin)}.`);
  }
  if (options.baseline !== undefined && options.baseline !== 'mostPopular') throw new TuningError('TUNING_BAD_OPTION', `${name}: baseline must be 'mostPopular', got ${describe(options.baseline)}.`);
  if (options.baseline !== undefined && family !== 'ranking') throw new TuningError('TUNING_BAD_OPTION', `${name}: baseline 'mostPopular' scores top-K lists; use it with a ranking metric (precisionAtK, ndcgAtK, ...), not ${options.metric}.`);
}

/**
 * Runs the search: `fullOptions[i]` is candidate i's parameters merged over the base, already
 * validated by the caller.
 */
export async function crossValidate<P extends object, M>(ratings: Dataset<Row>, learner: Learner<P, M>, fullOptions: P[], options: TuningOptions<P>): Promise<TuningResult<P, M>> {
  const started = performance.now();
  const { name: metric, family, higherIsBetter } = metricInfo(options.metric);
  const k = options.k ?? 10;
  const validation = resolveValidation(options.validation);
  const parallelism = options.parallelism ?? Math.max(2, ratings.session.defaultParallelism);
  const { userColumn, itemColumn, ratingColumn } = learner.columns;
  const splits = splitsOf(ratings, validation, { userColumn, itemColumn });
  const candidates: Array<CandidateResult<P>> = options.candidates.map((params, index) => ({
    index, params, scores: [], metrics: [], mean: NaN, sd: NaN, seconds: 0, status: 'complete',
  }));
  const folds: FoldInfo[] = [];
  const baseline: BaselineResult | undefined = options.baseline ? { name: 'mostPopular', scores: [], metrics: [], mean: NaN, sd: NaN } : undefined;
  const better = (a: number, b: number): boolean => (higherIsBetter ? a > b : a < b);

  for (const [f, split] of splits.entries()) {
    // the fold's sets, cached once and read by every candidate (and its baseline)
    const train = split.train.cache();
    const test = split.test.cache();
    try {
      const trainRows = await train.count();
      const trainBytes = cachedBytes(ratings);
      const testRows = await test.count();
      folds.push({ trainRows, testRows, cachedBytes: trainBytes + cachedBytes(ratings) });
      const relevant = family === 'ranking' ? relevantItems(test, { userColumn, itemColumn, ratingColumn, minRating: options.minRating }) : undefined;
      const evaluate = async (model: M): Promise<MetricValues> => {
        if (family === 'regression') return learner.regression(model, test);
        const m = await rankingMetrics(await learner.recommend(model, k), relevant!, { k, userColumn, itemColumn });
        return { precisionAtK: m.precisionAtK, recallAtK: m.recallAtK, mapAtK: m.mapAtK, ndcgAtK: m.ndcgAtK };
      };
      const live = candidates.filter((c) => c.status === 'complete');
      let fatal: { error: unknown; candidate: CandidateResult<P> } | undefined;
      const queue = [...live];
      const worker = async (): Promise<void> => {
        for (let c = queue.shift(); c && !fatal; c = queue.shift()) {
          const t0 = performance.now();
          try {
            const values = await evaluate(await learner.train(train, fullOptions[c.index]!));
            const seconds = (performance.now() - t0) / 1000;
            c.metrics.push(values);
            c.scores.push(values[metric]!);
            c.seconds += seconds;
            options.onProgress?.({ fold: f, folds: splits.length, candidate: c.index, params: c.params, score: values[metric]!, seconds });
          } catch (error) {
            c.seconds += (performance.now() - t0) / 1000;
            if (!learner.candidateError(error)) { fatal ??= { error, candidate: c }; continue; }
            c.status = 'failed';
            c.error = `fold ${f + 1}: ${(error as Error).message}`;
          }
        }
      };
      const popular = baseline
        ? (async () => {
          const m = await rankingMetrics(await mostPopular(train, { k, userColumn, itemColumn }), relevant!, { k, userColumn, itemColumn });
          baseline.metrics.push({ precisionAtK: m.precisionAtK, recallAtK: m.recallAtK, mapAtK: m.mapAtK, ndcgAtK: m.ndcgAtK });
          baseline.scores.push(m[metric as keyof typeof m] as number);
        })()
        : Promise.resolve();
      const settled = await Promise.allSettled([popular, ...Array.from({ length: Math.min(parallelism, live.length) }, worker)]);
      if (fatal) {
        throw new TuningError('TUNING_NO_CANDIDATE', `${learner.name}: candidate ${fatal.candidate.index + 1} ${describe(fatal.candidate.params)} failed on fold ${f + 1}: ${(fatal.error as Error).message}`, { cause: fatal.error });
      }
      for (const s of settled) if (s.status === 'rejected') throw s.reason;
      for (const c of live) if (c.status === 'complete') summarize(c);
      // early stopping: compare the candidates that ran the same folds
      const stop = options.earlyStop;
      if (stop && f + 1 >= (stop.afterFolds ?? 1) && f + 1 < splits.length) {
        const running = candidates.filter((c) => c.status === 'complete');
        const best = running.reduce<number | undefined>((b, c) => (b === undefined || better(c.mean, b) ? c.mean : b), undefined);
        if (best !== undefined) {
          const limit = higherIsBetter ? best * (1 - stop.margin) : best * (1 + stop.margin);
          for (const c of running) if (better(limit, c.mean)) c.status = 'stopped';
        }
      }
    } finally {
      train.unpersist();
      test.unpersist();
    }
  }
  if (baseline) summarize(baseline);
  const finished = candidates.filter((c) => c.status === 'complete');
  if (finished.length === 0) {
    const failures = candidates.filter((c) => c.error).slice(0, 3).map((c) => `candidate ${c.index + 1} ${describe(c.params)}: ${c.error}`);
    throw new TuningError('TUNING_NO_CANDIDATE', `${learner.name}: no candidate completed every fold. ${failures.join('; ')}`);
  }
  const best = finished.reduce((b, c) => (better(c.mean, b.mean) ? c : b));
  const bestOptions = fullOptions[best.index]!;
  const r0 = performance.now();
  const model = options.refit === false ? undefined : await learner.train(ratings, bestOptions);
  const refit = (performance.now() - r0) / 1000;
  return {
    metric, label: metricLabel(metric, k), higherIsBetter, k, validation, folds, candidates, best, bestOptions, model, baseline,
    seconds: { total: (performance.now() - started) / 1000, refit },
  };
}

/** Mean and sample standard deviation of the scores so far. */
function summarize(c: { scores: number[]; mean: number; sd: number }): void {
  const n = c.scores.length;
  c.mean = c.scores.reduce((a, b) => a + b, 0) / n;
  c.sd = n > 1 ? Math.sqrt(c.scores.reduce((a, b) => a + (b - c.mean) ** 2, 0) / (n - 1)) : 0;
}

/** Bytes the session's last job cached (memory and disk): run alone, so it is that job's. */
function cachedBytes(ratings: Dataset<Row>): number {
  const m = ratings.session.lastJobMetrics;
  return m ? m.cachedMemoryBytes + m.cachedDiskBytes : 0;
}
