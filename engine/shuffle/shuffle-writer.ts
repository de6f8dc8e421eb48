// The map side of a shuffle: split a map task's output table by reduce partition and write it as
// one data file plus one index file (the "sort-based shuffle" layout of Spark: one file per map
// task, not one per map × reduce pair).
//
// File format, worked example: shuffle 3, map partition 5, attempt 0, 4 reduce partitions, where
// reduce partitions 0 and 2 received rows and 1 and 3 received none.
//
//   shuffle_3_5_0.data  = [ Arrow IPC stream for reduce 0 | Arrow IPC stream for reduce 2 ]
//                          bytes 0..1200                    bytes 1200..2000
//     Each block is a complete IPC *stream* (schema message, record batches, end-of-stream
//     marker), so a reducer decodes its block alone with `tableFromIPC(bytes)`. Empty reduce
//     partitions take no bytes at all.
//
//   shuffle_3_5_0.index = 12-byte header, then numPartitions + 1 little-endian u64 offsets:
//     44 46 53 49   'DFSI' magic
//     01 00 00 00   format version 1 (u32 LE)
//     04 00 00 00   numPartitions = 4 (u32 LE)
//     offsets: 0, 1200, 1200, 2000, 2000   (u64 LE each; block r = [offsets[r], offsets[r+1]) )
//
// Both files are written under temporary names and renamed into place, data first and index
// last: a reader that finds the index knows the whole map output is there.

import { mkdir, open, rename, rm } from 'node:fs/promises';
import type { Table } from 'apache-arrow';
import { DataflowError } from '../errors.ts';
import { takeRows, sliceRows } from '../kernels/take.ts';
import { dataFilePath, indexFilePath } from './block-id.ts';
import { partitionCount, partitionIds } from './partitioner.ts';
import type { Partitioner } from './partitioner.ts';
import { encodeIpc } from '../kernels/ipc.ts';

/** Magic bytes at the start of every index file ("DataFlow Shuffle Index"). */
export const INDEX_MAGIC = 'DFSI';
/** Version of the index layout described at the top of this file. */
export const INDEX_VERSION = 1;
/** Bytes before the offsets in an index file: magic, version, numPartitions. */
export const INDEX_HEADER_BYTES = 12;

/** Where a map output was written and how big each reduce partition's block is. */
export interface MapOutputFiles {
  dataFile: string;
  indexFile: string;
  /** Bytes per reduce partition (0 = empty block); what the map-output registry records. */
  blockSizes: number[];
}

/** Identifies one map task attempt's output. */
export interface MapOutputTarget {
  dir: string;
  shuffleId: number;
  mapPartition: number;
  attempt: number;
}

/**
 * Partition `table` with `partitioner` and write it as one map output (format above).
 *
 * Splitting: one counting sort of the rows by partition id gives a permutation; one `takeRows`
 * applies it and each reduce partition is then a zero-copy slice. (Measured faster than one
 * `takeRows` per reduce partition, which re-reads every column once per partition.)
 *
 * @example
 * const { blockSizes } = await writeMapOutput({ dir, shuffleId: 3, mapPartition: 5, attempt: 0,
 *   table, partitioner: { kind: 'hash', keys: ['user'], numPartitions: 4 }, numPartitions: 4 });
 */
export async function writeMapOutput(
  args: MapOutputTarget & { table: Table; partitioner: Partitioner; numPartitions: number },
): Promise<MapOutputFiles> {
  const { table, partitioner, numPartitions } = args;
  const expected = partitionCount(partitioner);
  if (expected !== numPartitions) {
    throw new DataflowError(
      'INVALID_PARTITIONER',
      `shuffle ${args.shuffleId}: the ${partitioner.kind} partitioner produces ${expected} partitions but numPartitions is ${numPartitions}; they must agree.`,
    );
  }
  return writeMapOutputTables({ ...args, tables: splitByPartition(table, partitionIds(table, partitioner), numPartitions) });
}

/**
 * One table per reduce partition: rows with `ids[i] === p` in their original order, for each p.
 *
 * @example
 * splitByPartition(table, Int32Array.of(1, 0, 1), 2); // [rows [1], rows [0, 2]]
 */
export function splitByPartition(table: Table, ids: Int32Array, numPartitions: number): Table[] {
  if (numPartitions === 1) return [table];
  const counts = new Int32Array(numPartitions + 1);
  for (let i = 0; i < ids.length; i++) {
    const p = ids[i];
    if (p < 0 || p >= numPartitions) {
      throw new DataflowError('INVALID_PARTITIONER', `row ${i} was assigned partition ${p}, outside 0..${numPartitions - 1}.`);
    }
    counts[p + 1]++;
  }
  for (let p = 0; p < numPartitions; p++) counts[p + 1] += counts[p];
  const starts = counts.slice();
  const perm = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) perm[starts[ids[i]]++] = i;
  const sorted = takeRows(table, perm);
  const out: Table[] = [];
  for (let p = 0; p < numPartitions; p++) out.push(sliceRows(sorted, counts[p], counts[p + 1]));
  return out;
}

/**
 * Write an already-split output (one table per reduce partition; `undefined` or a 0-row table
 * means an empty block), e.g. the per-partition tables of a map-side combine.
 *
 * @example
 * await writeMapOutputTables({ dir, shuffleId: 3, mapPartition: 5, attempt: 0, tables: [t0, undefined, t2, t3] });
 */
export async function writeMapOutputTables(args: MapOutputTarget & { tables: readonly (Table | undefined)[] }): Promise<MapOutputFiles> {
  const { dir, shuffleId, mapPartition, attempt, tables } = args;
  const numPartitions = tables.length;
  const blocks = tables.map((t) => (t && t.numRows > 0 ? encodeIpc(t) : new Uint8Array(0)));
  const blockSizes = blocks.map((b) => b.byteLength);
  const index = encodeIndex(blockSizes);

  const dataFile = dataFilePath(dir, shuffleId, mapPartition, attempt);
  const indexFile = indexFilePath(dir, shuffleId, mapPartition, attempt);
  const suffix = `.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  await mkdir(dir, { recursive: true });
  try {
    await writeAll(dataFile + suffix, blocks.filter((b) => b.byteLength > 0));
    await writeAll(indexFile + suffix, [index]);
    await rename(dataFile + suffix, dataFile);
    await rename(indexFile + suffix, indexFile);
  } catch (cause) {
    await rm(dataFile + suffix, { force: true });
    await rm(indexFile + suffix, { force: true });
    throw new DataflowError(
      'SHUFFLE_WRITE_FAILED',
      `could not write map output ${dataFile} (shuffle ${shuffleId}, map partition ${mapPartition}, ${numPartitions} reduce partitions): ` +
        `${(cause as Error).message}. Check that the shuffle directory is writable and has free space.`,
      { cause },
    );
  }
  return { dataFile, indexFile, blockSizes };
}

async function writeAll(path: string, buffers: Uint8Array[]): Promise<void> {
  const handle = await open(path, 'w');
  try {
    if (buffers.length > 0) await handle.writev(buffers);
  } finally {
    await handle.close();
  }
}

/**
 * The index file bytes for the given block sizes (layout at the top of this file).
 *
 * @example
 * encodeIndex([10, 0]); // 'DFSI', 1, 2, then offsets 0, 10, 10 as u64 LE: 36 bytes
 */
export function encodeIndex(blockSizes: readonly number[]): Uint8Array {
  const n = blockSizes.length;
  const bytes = new Uint8Array(INDEX_HEADER_BYTES + 8 * (n + 1));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) bytes[i] = INDEX_MAGIC.charCodeAt(i);
  view.setUint32(4, INDEX_VERSION, true);
  view.setUint32(8, n, true);
  let offset = 0;
  view.setBigUint64(INDEX_HEADER_BYTES, 0n, true);
  for (let r = 0; r < n; r++) {
    offset += blockSizes[r];
    view.setBigUint64(INDEX_HEADER_BYTES + 8 * (r + 1), BigInt(offset), true);
  }
  return bytes;
}
