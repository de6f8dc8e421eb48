// Names of shuffle files and blocks. A map task attempt writes two files in the executor's shuffle
// directory; a "block" is the byte range of one reduce partition inside the data file.
//
//   shuffle_3_5_0.data    map partition 5 of shuffle 3, attempt 0: all its reduce blocks
//   shuffle_3_5_0.index   where each reduce partition's block starts and ends in the .data file
//
// The attempt number keeps a retried map task from overwriting a file a reducer may be reading.

import { join } from 'node:path';

/** One reduce partition's slice of one map task's output. */
export interface BlockId {
  shuffleId: number;
  mapPartition: number;
  reducePartition: number;
}

/**
 * `shuffle_<shuffleId>_<mapPartition>_<attempt>`, the stem of both files of a map output.
 *
 * @example
 * mapOutputStem(3, 5, 0); // 'shuffle_3_5_0'
 */
export function mapOutputStem(shuffleId: number, mapPartition: number, attempt: number): string {
  return `shuffle_${shuffleId}_${mapPartition}_${attempt}`;
}

/** Path of the data file of a map output. @example dataFilePath('/tmp/s', 3, 5, 0) // '/tmp/s/shuffle_3_5_0.data' */
export function dataFilePath(dir: string, shuffleId: number, mapPartition: number, attempt: number): string {
  return join(dir, `${mapOutputStem(shuffleId, mapPartition, attempt)}.data`);
}

/** Path of the index file of a map output. @example indexFilePath('/tmp/s', 3, 5, 0) // '/tmp/s/shuffle_3_5_0.index' */
export function indexFilePath(dir: string, shuffleId: number, mapPartition: number, attempt: number): string {
  return join(dir, `${mapOutputStem(shuffleId, mapPartition, attempt)}.index`);
}

/** A block's name for logs and errors. @example blockName({ shuffleId: 3, mapPartition: 5, reducePartition: 1 }) // 'shuffle_3_5_1' */
export function blockName(id: BlockId): string {
  return `shuffle_${id.shuffleId}_${id.mapPartition}_${id.reducePartition}`;
}

/**
 * The parts of a map output file name, or undefined if `fileName` is not one (e.g. a temp file).
 *
 * @example
 * parseMapOutputFileName('shuffle_3_5_0.index'); // { shuffleId: 3, mapPartition: 5, attempt: 0, kind: 'index' }
 */
export function parseMapOutputFileName(
  fileName: string,
): { shuffleId: number; mapPartition: number; attempt: number; kind: 'data' | 'index' } | undefined {
  const m = /^shuffle_(\d+)_(\d+)_(\d+)\.(data|index)$/.exec(fileName);
  if (!m) return undefined;
  return { shuffleId: Number(m[1]), mapPartition: Number(m[2]), attempt: Number(m[3]), kind: m[4] as 'data' | 'index' };
}
