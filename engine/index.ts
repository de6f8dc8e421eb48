// The engine's public API: Session, Dataset and its verbs, aggregations, errors, and the types their
// signatures use. It knows nothing of the library jobs, which build on it; the package's face,
// `dataflow` (../index.ts), re-exports this plus the jobs and the connectors' own utilities.
//
// @example
//   import { type Session, count, mean } from 'dataflow';
//   export default async function main(session: Session) {
//     const ratings = await session.readParquet('ratings.parquet');
//     const stats = ratings.aggregateByKey(['itemId'], { n: count(), avg: mean('rating') });
//     console.log(await stats.sortBy([{ column: 'n', ascending: false }]).take(10));
//   }

export { Session } from './dataset/session.ts';
export type { SessionOptions } from './dataset/session.ts';
export { Dataset } from './dataset/dataset.ts';
export type { WriteParquetOptions } from './dataset/dataset.ts';
export type { GroupByKeyOptions } from './dataset/verbs/group-by-key.ts';
export type { JoinOptions } from './dataset/verbs/join.ts';
export type { JoinHow } from './kernels/join.ts';
export { Broadcast } from './protocol/broadcast.ts';
export { count, sum, mean, min, max } from './dataset/aggregations.ts';
export type { AggSpec, Aggregations } from './kernels/aggregate.ts';
export type { Row } from './kernels/rows.ts';
export type { SortKey } from './plan/nodes.ts';
export { DataflowError, InternalError, InvalidInputError } from './errors.ts';
export { JobFailedError } from './cluster/driver.ts';
export type { JobMetrics, StageMetrics } from './cluster/driver.ts';
export type { MovieLensOptions, MovieLensFormat } from '../connectors/movielens/index.ts';
export type { CsvOptions, CsvColumnType } from '../connectors/csv/index.ts';
export type { ParquetFilter, ParquetPredicate } from '../connectors/parquet/predicate.ts';
export type { ParquetScanOptions } from '../connectors/parquet/scan.ts';
export type { StorageOptions } from '../connectors/storage/index.ts';
