// One map output's files from several encoded parts of it (a map task that spilled: each part has
// the layout of shuffle-writer.ts for some of its rows, and lies in a spill file or in memory).
// Bucket b of the result is bucket b of every part, in part order, so the rows of a bucket keep
// their order in the task's output; a bucket may thus hold several record batches, which a reader
// decodes as one stream like any range of buckets. As Spark's sort-based shuffle writer merges its
// spills, bytes are copied, never decoded, through one buffer of at most COPY_BYTES.

import { mkdir, open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { DataflowError } from '../errors.ts';
import { dataFilePath, indexFilePath } from './block-id.ts';
import { blockSizesOf, encodeIndex } from './shuffle-writer.ts';
import type { MapOutputFiles, MapOutputTarget } from './shuffle-writer.ts';

/** One part: its bucket offsets (layout of shuffle-writer.ts) and its bytes, in a file or in memory. */
export type MapOutputPart =
  | { file: string; offsets: readonly number[] }
  | { bytes: Uint8Array; offsets: readonly number[] };

/** Bytes copied through memory at once from a part that lies in a file. */
const COPY_BYTES = 1024 * 1024;

/**
 * Write the parts of one map output as its files (data then index, temp names renamed into place
 * as writeMapOutputFiles does), under `schemaMessage` (parts' own schema messages are not copied:
 * they may differ in nullability, which record batches do not carry).
 *
 * @example
 * await writeMergedMapOutput(target, schemaMessage, [{ file: run0, offsets: o0 }, { bytes, offsets: o1 }]);
 */
export async function writeMergedMapOutput(target: MapOutputTarget, schemaMessage: Uint8Array, parts: readonly MapOutputPart[]): Promise<MapOutputFiles> {
  const { dir, shuffleId, mapPartition, attempt } = target;
  const numBuckets = parts[0]!.offsets.length - 1;
  if (parts.some((p) => p.offsets.length - 1 !== numBuckets)) {
    throw new DataflowError('SHUFFLE_MERGE', `shuffle ${shuffleId} map ${mapPartition}: its spilled parts have different bucket counts (${parts.map((p) => p.offsets.length - 1).join(', ')}); this is a bug in the engine`);
  }
  const offsets = [schemaMessage.byteLength];
  for (let b = 0; b < numBuckets; b++) offsets.push(offsets[b]! + parts.reduce((n, p) => n + p.offsets[b + 1]! - p.offsets[b]!, 0));
  const dataFile = dataFilePath(dir, shuffleId, mapPartition, attempt);
  const indexFile = indexFilePath(dir, shuffleId, mapPartition, attempt);
  const suffix = `.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  await mkdir(dir, { recursive: true });
  try {
    const out = await open(dataFile + suffix, 'w');
    const inputs = new Map<string, FileHandle>();
    try {
      await writeAll(out, schemaMessage);
      const copy = new Uint8Array(Math.min(COPY_BYTES, Math.max(1, offsets[numBuckets]!)));
      for (let b = 0; b < numBuckets; b++) {
        for (const part of parts) {
          const from = part.offsets[b]!;
          const to = part.offsets[b + 1]!;
          if ('bytes' in part) await writeAll(out, part.bytes.subarray(from, to));
          else for (let at = from; at < to; at += copy.byteLength) await writeAll(out, await readRange(inputs, part.file, copy.subarray(0, Math.min(copy.byteLength, to - at)), at));
        }
      }
    } finally {
      await out.close();
      for (const input of inputs.values()) await input.close();
    }
    const index = await open(indexFile + suffix, 'w');
    try {
      await writeAll(index, encodeIndex(offsets));
    } finally {
      await index.close();
    }
    await rename(dataFile + suffix, dataFile);
    await rename(indexFile + suffix, indexFile);
  } catch (cause) {
    await rm(dataFile + suffix, { force: true });
    await rm(indexFile + suffix, { force: true });
    if (cause instanceof DataflowError) throw cause;
    throw new DataflowError(
      'SHUFFLE_WRITE_FAILED',
      `could not write map output ${dataFile} from ${parts.length} spilled parts (shuffle ${shuffleId}, map partition ${mapPartition}, ${numBuckets} reduce partitions): ` +
        `${(cause as Error).message}. Check that the shuffle directory is writable and has free space.`,
      { cause },
    );
  }
  return { dataFile, indexFile, blockSizes: blockSizesOf(offsets) };
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.byteLength) written += (await handle.write(bytes, written, bytes.byteLength - written)).bytesWritten;
}

/** Fills `into` from `file` at `position` (handles opened once per file); returns `into`. */
async function readRange(handles: Map<string, FileHandle>, file: string, into: Uint8Array, position: number): Promise<Uint8Array> {
  let handle = handles.get(file);
  if (!handle) {
    handle = await open(file, 'r');
    handles.set(file, handle);
  }
  let done = 0;
  while (done < into.byteLength) {
    const { bytesRead } = await handle.read(into, done, into.byteLength - done, position + done);
    if (bytesRead === 0) {
      throw new DataflowError('SPILL_TRUNCATED', `spilled map output part ${file} ended after ${position + done} bytes; it was truncated while the task ran (disk full, or another process removed it)`);
    }
    done += bytesRead;
  }
  return into;
}
