// The map side of a shuffle: assign a map task's output rows to reduce buckets, encode them as one
// Arrow IPC stream with one record batch per bucket (bucket-encoder.ts), and either keep that in
// the executor's memory (map-output-store.ts) or write it as one data file plus one index file
// (the "sort-based shuffle" layout of Spark: one file per map task, not one per map × reduce pair).
//
// File format, worked example: shuffle 3, map partition 5, attempt 0, 4 reduce buckets, where
// buckets 0 and 2 received rows and 1 and 3 received none.
//
//   shuffle_3_5_0.data  = [ schema message | batch of bucket 0 | batch of bucket 2 ]
//                          bytes 0..136      136..1200          1200..2000
//     A reducer of buckets [lo, hi) reads the schema message and bytes [offsets[lo], offsets[hi])
//     and decodes them, with an end-of-stream marker appended, as one IPC stream
//     (shuffle-reader.ts blockStream). Empty buckets take no bytes at all.
//
//   shuffle_3_5_0.index = 12-byte header, then numPartitions + 1 little-endian u64 offsets:
//     44 46 53 49   'DFSI' magic
//     02 00 00 00   format version 2 (u32 LE)
//     04 00 00 00   numPartitions = 4 (u32 LE)
//     offsets: 136, 1200, 1200, 2000, 2000   (u64 LE each; offsets[0] is where the schema ends,
//                                             bucket r = [offsets[r], offsets[r+1]) )
//
// Both files are written under temporary names and renamed into place, data first and index
// last: a reader that finds the index knows the whole map output is there.

import { mkdir, open, rename, rm } from 'node:fs/promises';
import type { Table } from 'apache-arrow';
import { DataflowError } from '../errors.ts';
import { concatTables } from '../kernels/concat-tables.ts';
import { dataFilePath, indexFilePath } from './block-id.ts';
import { encodeBuckets } from './bucket-encoder.ts';
import { kernelIds } from '../kernels/shuffle-wasm.ts';
import type { Allocate, EncodedBuckets } from './bucket-encoder.ts';
import { partitionCount, partitionIds } from './partitioner.ts';
import type { Partitioner } from './partitioner.ts';

/** Magic bytes at the start of every index file ("DataFlow Shuffle Index"). */
export const INDEX_MAGIC = 'DFSI';
/** Version of the index layout described at the top of this file. */
export const INDEX_VERSION = 2;
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
 * Partition `table` with `partitioner` and encode it in memory (layout above).
 *
 * @example
 * const encoded = encodeMapOutput(table, { kind: 'hash', keys: ['user'], numPartitions: 4 }, 4);
 * blockSizesOf(encoded.offsets); // bytes per reduce bucket
 */
export function encodeMapOutput(table: Table, partitioner: Partitioner, numPartitions: number, allocate?: Allocate, shuffleId?: number): EncodedBuckets {
  const expected = partitionCount(partitioner);
  if (expected !== numPartitions) {
    throw new DataflowError(
      'INVALID_PARTITIONER',
      `shuffle ${shuffleId ?? '?'}: the ${partitioner.kind} partitioner produces ${expected} partitions but numPartitions is ${numPartitions}; they must agree.`,
    );
  }
  // The ids stay in the kernels' memory (no copies through staging); they are used up by this encode.
  return encodeBuckets(table, partitionIds(table, partitioner, kernelIds(table.numRows)), numPartitions, allocate);
}

/** Bytes of each bucket of an encoded map output. @example blockSizesOf([136, 1200, 1200]) // [1064, 0] */
export function blockSizesOf(offsets: readonly number[]): number[] {
  const sizes = new Array<number>(offsets.length - 1);
  for (let b = 0; b + 1 < offsets.length; b++) sizes[b] = offsets[b + 1]! - offsets[b]!;
  return sizes;
}

/**
 * Partition `table` with `partitioner` and write it as one map output's files (format above).
 *
 * @example
 * const { blockSizes } = await writeMapOutput({ dir, shuffleId: 3, mapPartition: 5, attempt: 0,
 *   table, partitioner: { kind: 'hash', keys: ['user'], numPartitions: 4 }, numPartitions: 4 });
 */
export async function writeMapOutput(
  args: MapOutputTarget & { table: Table; partitioner: Partitioner; numPartitions: number },
): Promise<MapOutputFiles> {
  return writeMapOutputFiles(args, encodeMapOutput(args.table, args.partitioner, args.numPartitions, undefined, args.shuffleId));
}

/**
 * Write an already-split output (one table per reduce partition; `undefined` or a 0-row table
 * means an empty block).
 *
 * @example
 * await writeMapOutputTables({ dir, shuffleId: 3, mapPartition: 5, attempt: 0, tables: [t0, undefined, t2, t3] });
 */
export async function writeMapOutputTables(args: MapOutputTarget & { tables: readonly (Table | undefined)[] }): Promise<MapOutputFiles> {
  const present = args.tables.map((t, b) => ({ t, b })).filter((x): x is { t: Table; b: number } => x.t !== undefined && x.t.numRows > 0);
  const ids = new Int32Array(present.reduce((n, x) => n + x.t.numRows, 0));
  let at = 0;
  for (const { t, b } of present) ids.fill(b, at, (at += t.numRows));
  const table = concatTables(present.map((x) => x.t));
  return writeMapOutputFiles(args, encodeBuckets(table, ids, args.tables.length));
}

/**
 * Write an encoded map output as its two files, atomically (temp names, data renamed first).
 *
 * @example
 * await writeMapOutputFiles({ dir, shuffleId: 3, mapPartition: 5, attempt: 0 }, encodeMapOutput(table, p, 4));
 */
export async function writeMapOutputFiles(target: MapOutputTarget, encoded: EncodedBuckets): Promise<MapOutputFiles> {
  const { dir, shuffleId, mapPartition, attempt } = target;
  const numPartitions = encoded.offsets.length - 1;
  const blockSizes = blockSizesOf(encoded.offsets);
  const dataFile = dataFilePath(dir, shuffleId, mapPartition, attempt);
  const indexFile = indexFilePath(dir, shuffleId, mapPartition, attempt);
  const suffix = `.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  await mkdir(dir, { recursive: true });
  try {
    await writeAll(dataFile + suffix, encoded.bytes);
    await writeAll(indexFile + suffix, encodeIndex(encoded.offsets));
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

async function writeAll(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'w');
  try {
    let written = 0;
    while (written < bytes.byteLength) written += (await handle.write(bytes, written, bytes.byteLength - written)).bytesWritten;
  } finally {
    await handle.close();
  }
}

/**
 * The index file bytes for the given bucket offsets (layout at the top of this file).
 *
 * @example
 * encodeIndex([136, 146, 146]); // 'DFSI', 2, 2, then offsets 136, 146, 146 as u64 LE: 36 bytes
 */
export function encodeIndex(offsets: readonly number[]): Uint8Array {
  const n = offsets.length - 1;
  const bytes = new Uint8Array(INDEX_HEADER_BYTES + 8 * (n + 1));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) bytes[i] = INDEX_MAGIC.charCodeAt(i);
  view.setUint32(4, INDEX_VERSION, true);
  view.setUint32(8, n, true);
  for (let r = 0; r <= n; r++) view.setBigUint64(INDEX_HEADER_BYTES + 8 * r, BigInt(offsets[r]!), true);
  return bytes;
}
