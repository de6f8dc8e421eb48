// Dataset: a lazily evaluated, partitioned collection of rows stored as Arrow record batches.
// Verbs build plan nodes (one file per verb in verbs/); actions run the plan as a job.
//
// Transformations are lazy: nothing runs until an action (collect, count, take, reduce, toTable,
// writeParquet). Narrow verbs (map, filter, ...) are pipelined inside one task; wide verbs
// (repartition, aggregateByKey, join, sortBy, ...) shuffle and start a new stage.

import { basename } from 'node:path';
import { Table } from 'apache-arrow';
import { randomUUID } from 'node:crypto';
import type { Row } from '../kernels/rows.ts';
import { tableToRows } from '../kernels/rows.ts';
import { concatTables } from '../kernels/concat-tables.ts';
import type { Aggregations } from '../kernels/aggregate.ts';
import type { PlanNode, SortKey } from '../plan/nodes.ts';
import { planStages } from '../plan/stages.ts';
import { takeOrderedPlan } from '../plan/take-ordered.ts';
import { topRows } from '../kernels/top-n.ts';
import { explainStages } from '../plan/explain.ts';
import type { ParquetCompression, TaskPayload } from '../protocol/index.ts';
import { InvalidInputError } from '../errors.ts';
import { prepareOutputDir, commitTask, commitJob, abortJob } from '../../connectors/parquet/commit.ts';
import { currentWriter } from '../../connectors/parquet/output-lock.ts';
import type { StorageOptions } from '../../connectors/storage/resolve.ts';
import { shippableStorageOptions } from '../../connectors/storage/shipping.ts';
import type { Session } from './session.ts';
import { map } from './verbs/map.ts';
import { filter } from './verbs/filter.ts';
import { flatMap } from './verbs/flat-map.ts';
import { mapPartitions } from './verbs/map-partitions.ts';
import { mapBatches } from './verbs/map-batches.ts';
import { mapPartitionTables } from './verbs/map-partition-tables.ts';
import { select } from './verbs/select.ts';
import { repartition } from './verbs/repartition.ts';
import { aggregateByKey } from './verbs/aggregate-by-key.ts';
import { reduceByKey } from './verbs/reduce-by-key.ts';
import { groupByKey } from './verbs/group-by-key.ts';
import type { GroupByKeyOptions } from './verbs/group-by-key.ts';
import { join } from './verbs/join.ts';
import type { JoinOptions } from './verbs/join.ts';
import { sortBy } from './verbs/sort-by.ts';
import { distinct } from './verbs/distinct.ts';
import { union } from './verbs/union.ts';
import { decodeIpc } from '../kernels/ipc.ts';

type Captures = Record<string, unknown>;

export interface WriteParquetOptions {
  /** 'error' (default) refuses a non-empty output folder; 'overwrite' replaces it. */
  mode?: 'error' | 'overwrite';
  compression?: ParquetCompression;
  rowGroupSize?: number;
  /** Columns whose values become Hive-style folders (`year=2024/`), in folder order; dropped from the files. */
  partitionBy?: string[];
  /**
   * Options of the storage backend `dir` is on, e.g. `{ endpoint: 'http://127.0.0.1:9000' }` for an
   * S3-compatible server. They travel to the executors, so no credentials: those come from the
   * environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
   */
  storage?: StorageOptions;
}

export class Dataset<T extends Row = Row> {
  constructor(readonly session: Session, readonly node: PlanNode) {}

  /**
   * Partitions of this dataset. For a shuffle whose count is chosen from the data, known once an
   * action ran its map side; until then the buckets it writes (the most it can have).
   */
  get numPartitions(): number {
    return this.session.resolvedPlan(this.node).numPartitions;
  }

  /** A dataset over a new plan node of the same session (used by verbs). */
  derive<U extends Row>(node: PlanNode): Dataset<U> {
    return new Dataset<U>(this.session, node);
  }

  // ---- narrow ---------------------------------------------------------------------------------
  map<U extends Row>(fn: (row: T) => U, captures?: Captures): Dataset<U> { return map(this, fn, captures); }
  filter(fn: (row: T) => unknown, captures?: Captures): Dataset<T> { return filter(this, fn, captures); }
  flatMap<U extends Row>(fn: (row: T) => Iterable<U>, captures?: Captures): Dataset<U> { return flatMap(this, fn, captures); }
  mapPartitions<U extends Row>(fn: (rows: T[]) => Iterable<U>, captures?: Captures): Dataset<U> { return mapPartitions(this, fn, captures); }
  mapBatches<U extends Row = Row>(fn: (batch: Table) => Table, captures?: Captures): Dataset<U> { return mapBatches<T, U>(this, fn, captures); }
  mapPartitionTables<U extends Row = Row>(fn: (partition: Table) => Table, captures?: Captures): Dataset<U> { return mapPartitionTables<T, U>(this, fn, captures); }
  select<K extends keyof T & string>(...columns: K[]): Dataset<Pick<T, K>> { return select(this, columns); }
  union(...others: Dataset<T>[]): Dataset<T> { return union(this, others); }

  // ---- wide -----------------------------------------------------------------------------------
  /** Hash-partitions by `keys`; the result knows it, so a join on the same keys does not shuffle it again. */
  repartition(keys: Array<keyof T & string>, options?: { numPartitions?: number }): Dataset<T> { return repartition(this, keys, options); }
  aggregateByKey(keys: Array<keyof T & string>, aggs: Aggregations, options?: { numPartitions?: number }): Dataset<Row> { return aggregateByKey(this, keys, aggs, options); }
  reduceByKey(keys: Array<keyof T & string>, fn: (a: Row, b: Row) => Row, captures?: Captures, options?: { numPartitions?: number }): Dataset<Row> {
    return reduceByKey(this, keys, fn, captures, options);
  }
  groupByKey(keys: Array<keyof T & string>, options?: GroupByKeyOptions): Dataset<Row> { return groupByKey(this, keys, options); }
  /** Reuses the shuffle of a side already partitioned on `keys` (see verbs/join.ts). */
  join<U extends Row>(other: Dataset<U>, keys: string[], options?: JoinOptions): Dataset<Row> { return join(this, other, keys, options); }
  sortBy(keys: Array<SortKey | (keyof T & string)>, options?: { numPartitions?: number }): Dataset<T> { return sortBy(this, keys, options); }
  distinct(options?: { numPartitions?: number }): Dataset<T> { return distinct(this, options); }

  /** Keeps partitions in executor memory after they are first computed; later jobs reuse them. */
  cache(): Dataset<T> {
    return this.derive<T>({ kind: 'cache', id: this.session.id(), numPartitions: this.node.numPartitions, parent: this.node, cacheId: this.session.id() });
  }

  /**
   * Frees this cached dataset's partitions on every executor now, instead of when it becomes
   * unreachable. A later action computes (and caches) them again. No-op on a dataset that is not cached.
   */
  unpersist(): Dataset<T> {
    if (this.node.kind === 'cache') this.session.unpersist(this.node.cacheId);
    return this;
  }

  /** The stage DAG this dataset's actions would run (with the partition counts chosen so far). */
  explain(): string {
    const ids = new Map<number, number>();
    return explainStages(planStages(this.session.resolvedPlan(this.node), {
      forShuffle: (shuffleId) => ids.get(shuffleId) ?? ids.set(shuffleId, ids.size).size - 1,
      next: () => ids.size,
    }));
  }

  // ---- actions --------------------------------------------------------------------------------

  /** All rows, partition by partition, as an Arrow table. */
  async toTable(): Promise<Table> {
    return tablesOf(await this.session.runAction(this.node, { kind: 'collect' }), 'collect');
  }

  async collect(): Promise<T[]> {
    return tableToRows(await this.toTable()) as T[];
  }

  /** The number of rows (a dataset the driver holds itself, e.g. fromTable's, is counted without a job). */
  async count(): Promise<number> {
    const held = this.session.heldRowCount(this.node);
    if (held !== undefined) return held;
    const payloads = await this.session.runAction(this.node, { kind: 'count' });
    return payloads.reduce((sum, p) => sum + (p.kind === 'count' ? p.count : 0), 0);
  }

  /**
   * The first `n` rows in partition order (each task stops sending after n rows). On a sortBy the
   * sort is not run: each partition of its input keeps its first n rows in order and the driver
   * merges them (plan/take-ordered.ts), the same rows in the same order.
   */
  async take(n: number): Promise<T[]> {
    if (!Number.isInteger(n) || n < 0) throw new InvalidInputError(`take(n): n must be a non-negative integer, got ${n}`);
    const ordered = takeOrderedPlan(this.node, n, (shuffleId) => this.session.driver.hasRangeBounds(shuffleId));
    if (ordered) {
      const tops = tablesOf(await this.session.runAction(ordered.input, { kind: 'takeOrdered', n, keys: ordered.keys }), 'take');
      return tableToRows(tops.numRows === 0 ? tops : topRows(tops, ordered.keys, n)) as T[];
    }
    const rows = tableToRows(tablesOf(await this.session.runAction(this.node, { kind: 'take', n }), 'take'));
    return rows.slice(0, n) as T[];
  }

  /** Folds all rows with an associative function; undefined for an empty dataset. */
  async reduce(fn: (a: T, b: T) => T, captures?: Captures): Promise<T | undefined> {
    const shipped = this.session.ship(fn, captures, 'reduce');
    const payloads = await this.session.runAction(this.node, { kind: 'reduce', fn: shipped });
    const partials = payloads.filter((p): p is Extract<TaskPayload, { kind: 'value' }> => p.kind === 'value' && p.present).map((p) => p.value as T);
    if (partials.length === 0) return undefined;
    return partials.reduce((a, b) => fn(a, b));
  }

  /**
   * Writes one Parquet file per non-empty partition into `dir` (a local path, file:// or s3://),
   * atomically: tasks write under `dir/_temporary`, accepted attempts are committed once, and
   * `_SUCCESS` marks a complete dataset. A failed job leaves no `_SUCCESS` and no part in `dir`.
   * `dir/_dataflow_writing` names the job while it writes: another job writing `dir` meanwhile
   * fails at once, and readParquet refuses a directory a killed driver left it in.
   */
  async writeParquet(dir: string, options: WriteParquetOptions = {}): Promise<{ files: number; rows: number }> {
    const storage = shippableStorageOptions(options.storage, `writeParquet(${dir})`);
    const jobToken = randomUUID();
    // The directory's lock names this driver to another job that tries to write it meanwhile.
    const writer = currentWriter(jobToken, `${basename(this.session.workDir)}, --master ${this.session.master}`);
    const { created } = await prepareOutputDir(dir, { mode: options.mode ?? 'error', storage, writer });
    const commits: Array<Promise<unknown>> = [];
    const accepted = new Map<number, number>(); // partition -> the attempt whose files are the output
    let rows = 0;
    try {
      const action = { kind: 'writeParquet' as const, dir, jobToken, compression: options.compression, rowGroupSize: options.rowGroupSize, partitionBy: options.partitionBy, storage };
      await this.session.runAction(this.node, action, {
        settleBeforeFailing: true, // no task may still be writing when abortJob removes the folder
        onAccept: (partition, attempt, payload) => {
          if (payload.kind !== 'file' || !payload.written) return;
          accepted.set(partition, attempt);
          rows += payload.rows;
          commits.push(commitTask(dir, jobToken, partition, attempt));
        },
      });
      await Promise.all(commits);
      const written = [...accepted.keys()].sort((a, b) => a - b);
      await commitJob(dir, jobToken, written, { attempts: accepted, storage });
      return { files: written.length, rows };
    } catch (error) {
      await Promise.allSettled(commits);
      await abortJob(dir, jobToken, { storage, created }).catch(() => undefined); // the job's own error is the one to report
      throw error;
    }
  }
}

function tablesOf(payloads: TaskPayload[], action: string): Table {
  return concatTables(payloads.flatMap((p, i) => (p.kind === 'table' ? [decodeIpc(p.ipc, `the ${action}() result of partition ${i}`)] : [])));
}
