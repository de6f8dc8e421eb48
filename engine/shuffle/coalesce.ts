// Reduce partitions from data size (Spark AQE's partition coalescing): map tasks write a fixed,
// generous number of hash buckets; once the map stage is done, adjacent buckets are grouped into
// contiguous ranges of about `targetBytes` each, and one reduce task reads one range. Pure: the
// ranges depend only on the bytes per bucket, which depend only on the data, so the same job gives
// the same partitions on `local`, `local[N]` and a cluster.
//
// Worked example, target 100: bucket bytes [30, 50, 40, 0, 120, 10, 5]
//   [30, 50] = 80, adding 40 would exceed 100  → range [0, 2)
//   [40, 0]  = 40, adding 120 would exceed 100 → range [2, 4)
//   [120]    (larger than the target alone)    → range [4, 5)
//   [10, 5]  = 15                              → range [5, 7)
// Buckets read together by one task keep their order, so a range partitioner's sort order holds.

/** A reduce task's buckets: [start, end). */
export type BucketRange = [start: number, end: number];

/**
 * How a shuffle sized by data is cut: partitions of about `targetBytes`, but, as long as each keeps
 * at least MIN_PARTITION_BYTES, no fewer than `minPartitions` (so mid-sized data still spreads over
 * several tasks: Spark's minPartitionNum, here a constant, never the executor count).
 */
export interface CoalesceSpec { targetBytes: number; minPartitions: number }

/** Below this a partition is not worth a task of its own (Spark: coalescePartitions.minPartitionSize). */
export const MIN_PARTITION_BYTES = 1 << 20;

/**
 * The bytes per partition to cut `totalBytes` at.
 *
 * @example partitionTarget(100 << 20, { targetBytes: 64 << 20, minPartitions: 16 }); // 6.25 MB: 16 partitions
 * @example partitionTarget(4 << 20, { targetBytes: 64 << 20, minPartitions: 16 }); // 1 MB: 4 partitions
 */
export function partitionTarget(totalBytes: number, spec: CoalesceSpec): number {
  const spread = Math.ceil(totalBytes / Math.max(1, spec.minPartitions));
  return Math.max(Math.min(spec.targetBytes, spread), Math.min(MIN_PARTITION_BYTES, spec.targetBytes));
}

/**
 * Group buckets into contiguous ranges of at most `targetBytes` each (a bucket above the target
 * alone makes its own range). `bucketBytes[b]` is the bytes of bucket b summed over every map
 * output (and over every shuffle a reduce task reads, for joins: both sides must be cut alike).
 * No data at all gives one range over every bucket, so a job still has one (empty) partition.
 *
 * @example
 * coalesceBuckets([30, 50, 40, 0, 120, 10, 5], 100); // [[0, 2], [2, 4], [4, 5], [5, 7]]
 */
export function coalesceBuckets(bucketBytes: readonly number[], targetBytes: number): BucketRange[] {
  if (!(targetBytes > 0)) throw new RangeError(`the target bytes per partition must be positive, got ${targetBytes}`);
  const n = bucketBytes.length;
  if (n === 0) return [];
  const ranges: BucketRange[] = [];
  let start = 0;
  let bytes = 0;
  for (let b = 0; b < n; b++) {
    const size = bucketBytes[b]!;
    if (b > start && bytes + size > targetBytes) {
      ranges.push([start, b]);
      start = b;
      bytes = 0;
    }
    bytes += size;
  }
  ranges.push([start, n]);
  return ranges;
}

/**
 * Bytes per bucket summed over map outputs (each a list of bytes per bucket).
 *
 * @example
 * sumBucketBytes([[1, 2], [10, 0]]); // [11, 2]
 */
export function sumBucketBytes(outputs: readonly (readonly number[])[]): number[] {
  const sums = new Array<number>(outputs[0]?.length ?? 0).fill(0);
  for (const sizes of outputs) {
    if (sizes.length !== sums.length) {
      throw new RangeError(`map outputs disagree on the number of buckets: ${sums.length} and ${sizes.length}; they must be written with one bucket count`);
    }
    for (let b = 0; b < sizes.length; b++) sums[b] += sizes[b]!;
  }
  return sums;
}
