// Small byte helpers shared by the backends: checking a requested range, the "short read" error,
// turning a WriteSource into chunks, and gathering chunks into one buffer.

import { StorageError } from './errors.ts';
import type { WriteSource } from './storage.ts';

/** Rejects offsets and lengths that are not non-negative safe integers. */
export function checkRange(url: string, offset: number, length: number): void {
  for (const [name, value] of [['offset', offset], ['length', length]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new StorageError('STORAGE_BAD_REQUEST', url, `${url}: cannot read a byte range with ${name} ${value}; offset and length must be non-negative integers`);
    }
  }
}

/**
 * The error for a range read that got the wrong number of bytes.
 *
 * @example
 * shortRead('s3://b/k', 950, 100, 50, 1000).message;
 * // 's3://b/k: expected 100 bytes at offset 950 but got 50 (the file is 1000 bytes long); ...'
 */
export function shortRead(url: string, offset: number, expected: number, actual: number, size?: number, detail?: string): StorageError {
  const known = size === undefined ? '' : ` (the file is ${size} bytes long)`;
  const extra = detail === undefined ? '' : `, ${detail}`;
  return new StorageError(
    'STORAGE_SHORT_READ',
    url,
    `${url}: expected ${expected} bytes at offset ${offset} but got ${actual}${known}${extra}; the file is shorter than its metadata says (truncated, or replaced while being read)`,
  );
}

/** The chunks of a WriteSource, as an async iterable. */
export async function* chunksOf(data: WriteSource): AsyncGenerator<Uint8Array> {
  if (data instanceof Uint8Array) {
    yield data;
    return;
  }
  for await (const chunk of data as AsyncIterable<Uint8Array>) {
    if (!(chunk instanceof Uint8Array)) throw new TypeError(`write: expected Uint8Array chunks, got ${typeof chunk}`);
    yield chunk;
  }
}

/** One buffer holding `chunks` in order (the only chunk itself when there is one). */
export function concatBytes(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total ?? chunks.reduce((n, c) => n + c.length, 0));
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}
