// The Door: what a library job (ALS, SVD, evaluation, or your own) may use beyond the public API
// of engine/index.ts. Imported as `dataflow/extend`. Everything here is re-exported, not copied:
// the kernels stay where the engine uses them, and this file is the list of those a job may rely on.
//
// Why a second door and not the public API: these are tools for writing columnar kernels (functions
// that take and return Arrow tables inside mapBatches / mapPartitionTables), not verbs. A job that
// only chains Dataset verbs never needs them. A job never needs plan nodes, shuffle dependencies,
// the driver or the executor: what it wants from them is a verb (`repartition` + `join` reuse a
// shuffle, `mapPartitionTables` sees a whole partition, `session.defaultParallelism` sizes work).
//
// @example
//   import { type Dataset } from 'dataflow';
//   import { columnData, libraryFunctions } from 'dataflow/extend';
//   export function scale(batch: Table, by: number): Table { ... columnData(batch, 'rating') ... }
//   export const kernels = libraryFunctions(import.meta.url, { scale });   // ships by reference
//   ds.mapBatches((b) => scale(b, 2), { scale: kernels.scale });

import type { Table } from 'apache-arrow';
import { partitionIds } from './shuffle/partitioner.ts';

// ---- shipping code ------------------------------------------------------------------------------
/**
 * Registers functions of a module inside the dataflow package so that they ship to executors by
 * (module, export name) and may use imports. Job scripts outside the package do not need it: their
 * exported functions already ship by reference from the job bundle.
 */
export { libraryFunctions } from './closure/library.ts';

// ---- reading and building columns -----------------------------------------------------------------
/** One column of a table as a single contiguous Arrow Data (chunks combined), or a clear error naming it. */
export { columnData, tableFromColumns, describeSchema } from './kernels/columns.ts';
export { combineChunks } from './kernels/combine-chunks.ts';
export { concatTables } from './kernels/concat-tables.ts';
export { isValidAt } from './kernels/data-layout.ts';
/** Numbers out of any numeric column (as Float64Array), null masks, and which types count as numeric. */
export { readNumbers, readValidity, isNumericType } from './kernels/key-columns.ts';
/** Row selection: gather by index, filter by mask. */
export { takeRows, takeData, filterRows } from './kernels/take.ts';
/** Arrow IPC bytes of a table (safe when columns share buffers) and back, with an error naming what was decoded. */
export { encodeIpc, decodeIpc } from './kernels/ipc.ts';
/** Sort a table by key columns (one batch out). */
export { sortTable } from './kernels/sort.ts';
/** Group a table's rows by key: one row per key, the rest in a list column named GROUP_VALUES_COLUMN. */
export { groupRows, GROUP_VALUES_COLUMN } from './kernels/group-rows.ts';
/** Dense group numbers of a table's rows by exact key equality, with each group's first row (distinct, grouping). */
export { groupIds } from './kernels/group-ids.ts';

/** Named sums a kernel adds to inside its task, summed per job on the driver (session.lastJobMetrics.sums, materializeShuffles). */
export { addToTaskSum } from './kernels/task-sums.ts';

// ---- storage ---------------------------------------------------------------------------------------
/**
 * Reading and writing whole files on any storage the engine reads (a local path, file://, s3://,
 * http(s):// for reading), for what a job keeps beside its Parquet data (a model's metadata). The
 * options are the ones readParquet takes (`storage: { endpoint }`); credentials come from the environment.
 *
 * @example
 *   await writeToUrl(joinLocation(dir, 'model.json'), new TextEncoder().encode(json), storage);
 *   const names = (await listUrl(joinLocation(dir, 'userFactors'), storage)).map((e) => e.path);
 */
export { readAllFromUrl, writeToUrl, listUrl, storageFor, type StorageOptions } from '../connectors/storage/resolve.ts';
export { joinLocation, schemeOf, isUrl } from '../connectors/storage/url.ts';
export { StorageError } from '../connectors/storage/errors.ts';

// ---- hashing and randomness -------------------------------------------------------------------------
/**
 * The engine's value hashes (MurmurHash3; a number hashes by its float64 value, so 5, 5n and 5.0
 * agree): for splits and sampling that must not depend on partitioning or the master.
 */
export { hashColumnInto, hashNumber, murmurFinalize, numericView } from './kernels/key-hash.ts';
/** A small seeded PRNG (xoshiro128**), the same numbers on every process. */
export { Xoshiro128 } from '../connectors/generate/prng.ts';
/** A smaller seeded PRNG (mulberry32): uniform floats in [0, 1), the same sequence for a seed. */
export { mulberry32 } from './kernels/mulberry32.ts';

/**
 * The partition `repartition(keys, { numPartitions })` (and a join on `keys`) sends each row of
 * `table` to. Lets a job choose key values that land on the partition it wants (ALS routes a
 * block's messages to the block's partition; SVD puts each leaf of rows on a fixed partition).
 *
 * @example
 *   hashPartitionOf(new Table({ key: makeVector(Int32Array.of(0, 1, 2)) }), ['key'], 4); // Int32Array(3) in 0..3
 */
export function hashPartitionOf(table: Table, keys: string[], numPartitions: number): Int32Array {
  return partitionIds(table, { kind: 'hash', keys, numPartitions });
}
