// The reduce side of a shuffle on the executor that holds a map output: cut the block of a range of
// reduce partitions out of it (from its files, reading only that byte range, or from memory), and
// decode a block into a Table. The block server uses these to answer remote fetches; local
// reducers use them directly.

import { open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tableFromIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { DataflowError } from '../errors.ts';
import { dataFilePath, indexFilePath } from './block-id.ts';
import { INDEX_HEADER_BYTES, INDEX_MAGIC, INDEX_VERSION } from './shuffle-writer.ts';
import { END_OF_STREAM } from './bucket-encoder.ts';

/**
 * A shuffle file is missing, truncated or malformed. `code` is 'SHUFFLE_OUTPUT_MISSING' when the
 * map output does not exist (the scheduler should recompute it) and 'SHUFFLE_FILE_CORRUPT' otherwise.
 */
export class ShuffleReadError extends DataflowError {
  constructor(code: 'SHUFFLE_OUTPUT_MISSING' | 'SHUFFLE_FILE_CORRUPT', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A decoded index file: block r of the data file is bytes [offsets[r], offsets[r+1]); the schema is [0, offsets[0]). */
export interface ShuffleIndex {
  version: number;
  numPartitions: number;
  offsets: number[];
}

/**
 * Read and validate an index file (format in shuffle-writer.ts).
 *
 * @example
 * const { numPartitions, offsets } = await readIndex('/tmp/shuffle/shuffle_3_5_0.index');
 */
export async function readIndex(indexFile: string): Promise<ShuffleIndex> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(indexFile);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ShuffleReadError(
        'SHUFFLE_OUTPUT_MISSING',
        `shuffle index file ${indexFile} does not exist: the map task has not finished, or its output was deleted. ` +
          `The map stage must be re-run to recreate it.`,
        { cause },
      );
    }
    throw cause;
  }
  return decodeIndex(bytes, indexFile);
}

/** Decode index bytes; `source` names the file in errors. */
export function decodeIndex(bytes: Uint8Array, source: string): ShuffleIndex {
  const corrupt = (why: string): never => {
    throw new ShuffleReadError('SHUFFLE_FILE_CORRUPT', `shuffle index file ${source} is not valid: ${why}. Re-run the map stage that wrote it.`);
  };
  if (bytes.byteLength < INDEX_HEADER_BYTES) corrupt(`it has ${bytes.byteLength} bytes, fewer than the ${INDEX_HEADER_BYTES}-byte header`);
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== INDEX_MAGIC) corrupt(`expected magic '${INDEX_MAGIC}', found ${JSON.stringify(magic)}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== INDEX_VERSION) corrupt(`expected format version ${INDEX_VERSION}, found ${version}`);
  const numPartitions = view.getUint32(8, true);
  const expectedBytes = INDEX_HEADER_BYTES + 8 * (numPartitions + 1);
  if (bytes.byteLength !== expectedBytes) {
    corrupt(`for ${numPartitions} partitions it should have ${expectedBytes} bytes, but it has ${bytes.byteLength}`);
  }
  const offsets = new Array<number>(numPartitions + 1);
  for (let r = 0; r <= numPartitions; r++) {
    offsets[r] = Number(view.getBigUint64(INDEX_HEADER_BYTES + 8 * r, true));
    if (r > 0 && offsets[r] < offsets[r - 1]) corrupt(`offset ${r} (${offsets[r]}) is smaller than offset ${r - 1} (${offsets[r - 1]})`);
  }
  return { version, numPartitions, offsets };
}

/**
 * Parsed index files, by path. Map outputs are immutable (each attempt writes files of its own
 * name), so an index read once stays right; the block server then reads only the data file per
 * block. Bounded, since a long session writes many outputs.
 */
const indexCache = new Map<string, Promise<ShuffleIndex>>();
const INDEX_CACHE_ENTRIES = 20_000;

function cachedIndex(indexFile: string): Promise<ShuffleIndex> {
  let index = indexCache.get(indexFile);
  if (!index) {
    if (indexCache.size >= INDEX_CACHE_ENTRIES) indexCache.clear();
    index = readIndex(indexFile);
    index.catch(() => indexCache.delete(indexFile));
    indexCache.set(indexFile, index);
  }
  return index;
}

/**
 * The stream of buckets [start, end) of a map output held in memory (layout in shuffle-writer.ts):
 * its schema message, the buckets' record batches and an end-of-stream marker, in one new buffer;
 * an empty Uint8Array when those buckets are all empty.
 *
 * @example
 * decodeBlock(blockStream(encoded.bytes, encoded.offsets, 2, 4)); // rows of buckets 2 and 3
 */
export function blockStream(bytes: Uint8Array, offsets: readonly number[], start: number, end: number): Uint8Array {
  const parts = blockStreamParts(bytes, offsets, start, end);
  if (parts.length === 0) return new Uint8Array(0);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/**
 * The same stream as blockStream, as pieces to write in order without copying: views of `bytes`
 * (schema message, buckets' batches) and the end-of-stream marker; no pieces if the buckets are empty.
 *
 * @example
 * await conn.reply(msg, { header: { type: 'ok' }, bodyParts: blockStreamParts(bytes, offsets, 2, 3) });
 */
export function blockStreamParts(bytes: Uint8Array, offsets: readonly number[], start: number, end: number): Uint8Array[] {
  checkRange(offsets.length - 1, start, end, 'an in-memory map output');
  if (offsets[end] === offsets[start]) return [];
  return [bytes.subarray(0, offsets[0]), bytes.subarray(offsets[start], offsets[end]), END_OF_STREAM];
}

function checkRange(numPartitions: number, start: number, end: number, where: string): void {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > numPartitions || start >= end) {
    throw new ShuffleReadError(
      'SHUFFLE_FILE_CORRUPT',
      `reduce partitions ${start}..${end - 1} were asked of ${where}, which has ${numPartitions} reduce partitions (0..${numPartitions - 1}).`,
    );
  }
}

/**
 * The block of reduce partitions [start, end) (default: `start` alone) of one map output's files,
 * as one Arrow IPC stream (see blockStream), or an empty Uint8Array if they are all empty. Reads
 * only that byte range of the data file.
 *
 * @example
 * const bytes = await readBlockBytes(dir, 3, 5, 0, 2);
 * const table = decodeBlock(bytes); // undefined if the block is empty
 */
export async function readBlockBytes(
  dir: string,
  shuffleId: number,
  mapPartition: number,
  attempt: number,
  start: number,
  end = start + 1,
): Promise<Uint8Array> {
  const indexFile = indexFilePath(dir, shuffleId, mapPartition, attempt);
  const dataFile = dataFilePath(dir, shuffleId, mapPartition, attempt);
  const index = await cachedIndex(indexFile);
  checkRange(index.numPartitions, start, end, indexFile);
  const schemaEnd = index.offsets[0]!;
  const from = index.offsets[start]!;
  const to = index.offsets[end]!;
  if (to === from) return new Uint8Array(0);
  const out = new Uint8Array(schemaEnd + (to - from) + END_OF_STREAM.byteLength);
  let handle;
  try {
    handle = await open(dataFile, 'r');
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ShuffleReadError(
      missing ? 'SHUFFLE_OUTPUT_MISSING' : 'SHUFFLE_FILE_CORRUPT',
      `shuffle data file ${dataFile} could not be opened (${(cause as Error).message}) although its index exists; re-run the map stage.`,
      { cause },
    );
  }
  try {
    const range = { dataFile, index };
    await readFully(handle, out.subarray(0, schemaEnd), 0, range, 'the schema message');
    await readFully(handle, out.subarray(schemaEnd, schemaEnd + (to - from)), from, range, `reduce partitions ${start}..${end - 1}`);
  } finally {
    await handle.close();
  }
  out.set(END_OF_STREAM, schemaEnd + (to - from));
  return out;
}

/** Fills `out` with the file's bytes from `position`; a short file is reported as truncated. */
async function readFully(handle: FileHandle, out: Uint8Array, position: number, at: { dataFile: string; index: ShuffleIndex }, what: string): Promise<void> {
  const length = out.byteLength;
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(out, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  if (got < length) {
    const { size } = await handle.stat();
    throw new ShuffleReadError(
      'SHUFFLE_FILE_CORRUPT',
      `shuffle data file ${at.dataFile} is truncated: ${what} should be bytes ${position}..${position + length} ` +
        `(expected ${length} bytes) but only ${got} bytes could be read (file size ${size}, index says ${at.index.offsets[at.index.numPartitions]}). ` +
        `Re-run the map stage that wrote it.`,
    );
  }
}

/**
 * Decode one block (an Arrow IPC stream, whole or as the pieces blockStreamParts gives) into a
 * Table; undefined for an empty block. Pieces are read in place: every message lies within one
 * piece, so the columns are views of the pieces' memory, not copies.
 *
 * @example
 * decodeBlock(new Uint8Array(0)); // undefined
 * decodeBlock(blockStreamParts(encoded.bytes, encoded.offsets, 2, 3)); // bucket 2, no copy
 */
export function decodeBlock(block: Uint8Array | readonly Uint8Array[]): Table | undefined {
  const parts = block instanceof Uint8Array ? [block] : block;
  const size = parts.reduce((n, p) => n + p.byteLength, 0);
  if (size === 0) return undefined;
  try {
    return tableFromIPC(parts.length === 1 ? parts[0]! : [...parts]);
  } catch (cause) {
    throw new ShuffleReadError(
      'SHUFFLE_FILE_CORRUPT',
      `a shuffle block of ${size} bytes is not a valid Arrow IPC stream (${(cause as Error).message}).`,
      { cause },
    );
  }
}
