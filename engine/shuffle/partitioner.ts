// Partitioners: which reduce partition each row of a map task's output goes to. Hash for keyed
// aggregations and joins, range for sorts (bounds sampled beforehand), single for global ops.
//
// Why hash by VALUE and not by physical bytes: a join shuffles both sides with the same hash
// partitioner and then joins reduce partition p of the left with reduce partition p of the right.
// If the left stores `userId` as Int32 and the right as Float64 (or Int64, as Parquet often does),
// a bytes-based hash would send userId 5 to different partitions on the two sides and the join
// would silently miss matches. `hashKeys` hashes every number by its float64 value, so 5, 5n and
// 5.0 land together; it is also pure arithmetic (MurmurHash3), so every executor process agrees.

import type { Table } from 'apache-arrow';
import { DataflowError } from '../errors.ts';
import { WASM_MIN_ROWS, hashKeys, wasmHashable } from '../kernels/key-hash.ts';
import type { NumericKeys } from '../kernels/shuffle-wasm.ts';
import { hashPartitionWasm } from '../kernels/shuffle-wasm.ts';
import { columnData } from '../kernels/columns.ts';
import { rangePartitionIds } from '../kernels/range-bounds.ts';

/** How a shuffle assigns rows to reduce partitions. */
export type Partitioner =
  | { kind: 'hash'; keys: string[]; numPartitions: number }
  | {
      kind: 'range';
      keys: string[];
      /** One flag per key: true = ascending. */
      ascending: boolean[];
      /**
       * numPartitions - 1 sorted key tuples; partition p holds rows ≤ bounds[p] (and > bounds[p-1]).
       * Absent in a plan built by sortBy: sampled before the shuffle's first job, and given to its
       * map tasks by the driver.
       */
      bounds?: unknown[][];
      numPartitions: number;
    }
  | { kind: 'single' };

/** A partitioner is inconsistent with itself or with the table it is applied to. */
export class PartitionerError extends DataflowError {
  constructor(message: string) {
    super('INVALID_PARTITIONER', message);
  }
}

/** How many reduce partitions `p` produces. */
export function partitionCount(p: Partitioner): number {
  return p.kind === 'single' ? 1 : p.numPartitions;
}

/**
 * The reduce partition of every row of `table`, each in [0, partitionCount(partitioner)). `into`
 * (numRows long, e.g. shuffle-wasm.ts kernelIds) receives them when the wasm kernels compute them;
 * otherwise the result is a fresh array.
 *
 * @example
 * partitionIds(table, { kind: 'hash', keys: ['userId'], numPartitions: 4 }); // Int32Array of 0..3
 * partitionIds(table, { kind: 'range', keys: ['t'], ascending: [true], bounds: [[10], [20]], numPartitions: 3 });
 */
export function partitionIds(table: Table, partitioner: Partitioner, into?: Int32Array): Int32Array {
  const n = table.numRows;
  switch (partitioner.kind) {
    case 'single':
      return new Int32Array(n);
    case 'hash': {
      const parts = checkedCount(partitioner.numPartitions);
      // Numeric keys without nulls: hashed and reduced in one pass through wasm (same ids).
      const numeric = n >= WASM_MIN_ROWS ? wasmKeys(table, partitioner.keys) : undefined;
      if (numeric) {
        const ids = into?.length === n ? into : new Int32Array(n);
        if (hashPartitionWasm(numeric, parts, ids)) return ids;
      }
      // hashKeys returns a fresh array this call owns: the ids overwrite the hashes in place.
      const hashes = hashKeys(table, partitioner.keys);
      return hashModulo(new Int32Array(hashes.buffer, hashes.byteOffset, n), parts);
    }
    case 'range':
      return rangePartitions(table, partitioner);
  }
}

/**
 * `h % parts` of every unsigned 32-bit hash, read as int32 so the loop stays in integer arithmetic:
 * for a power of two it is the low bits; otherwise a negative int32 h stands for h + 2^32, and
 * (h + 2^32) % n == ((h & 0x7fffffff) % n + 2^31 % n) % n. Written over `hashes` (no second
 * row-sized array: fresh memory is what a shuffle's map side pays most for).
 */
function hashModulo(hashes: Int32Array, parts: number): Int32Array {
  const n = hashes.length;
  const ids = hashes;
  if ((parts & (parts - 1)) === 0) {
    const mask = parts - 1;
    for (let i = 0; i < n; i++) ids[i] = hashes[i]! & mask;
    return ids;
  }
  const high = 2147483648 % parts;
  for (let i = 0; i < n; i++) {
    const h = hashes[i]!;
    ids[i] = h >= 0 ? h % parts : ((h & 0x7fffffff) % parts + high) % parts;
  }
  return ids;
}

/** The key columns as wasm-hashable numbers, or undefined if any is not (key-hash.ts wasmHashable). */
function wasmKeys(table: Table, keys: readonly string[]): NumericKeys[] | undefined {
  const out: NumericKeys[] = [];
  for (const name of keys) {
    const column = wasmHashable(columnData(table, name, 'as a key column'));
    if (!column) return undefined;
    out.push(column);
  }
  return out;
}

function checkedCount(numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions < 1) {
    throw new PartitionerError(`numPartitions must be a positive integer, got ${numPartitions}.`);
  }
  return numPartitions;
}

/**
 * Range partitioning reads and orders keys exactly as sampleKeys and the sort kernel do (one
 * comparator in kernels/range-bounds.ts), so partition i never holds a key that sorts after one in
 * partition i+1.
 */
function rangePartitions(table: Table, p: Extract<Partitioner, { kind: 'range' }>): Int32Array {
  const parts = checkedCount(p.numPartitions);
  const { keys, ascending, bounds } = p;
  if (!bounds) {
    throw new PartitionerError(
      `range partitioner on [${keys.join(', ')}] reached a map task without its bounds; the driver samples them ` +
        `before the shuffle's first job (Session.runAction), so this is a bug in the engine, not in the job.`,
    );
  }
  if (ascending.length !== keys.length) {
    throw new PartitionerError(
      `range partitioner has ${keys.length} keys [${keys.join(', ')}] but ${ascending.length} ascending flags; give one flag per key.`,
    );
  }
  if (bounds.length > parts - 1) {
    throw new PartitionerError(`range partitioner for ${parts} partitions has ${bounds.length} bounds; at most ${parts - 1} are allowed.`);
  }
  bounds.forEach((b, j) => {
    if (b.length !== keys.length) {
      throw new PartitionerError(`range bound ${j} has ${b.length} values but there are ${keys.length} keys [${keys.join(', ')}].`);
    }
  });
  return rangePartitionIds(table, keys, ascending, bounds);
}
