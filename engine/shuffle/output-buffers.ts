// Map output buffers a task thread recycles: SharedArrayBuffers that go back to their thread's pool
// once the output is written to files or its shuffle is dropped (by any thread), instead of fresh
// memory per map task. On this kind of VM the first touch of new memory costs about 1 ms per MB,
// and every ~64 MB of new ArrayBuffers makes V8 run a full collection.
//
// Each pooled buffer starts with an 8-byte header: an Int32 state (FREE / IN_USE, changed with
// Atomics, so the main thread's store can free a buffer a task thread allocated) and a magic word;
// the output's bytes are a view from byte 8. A buffer outside the pool (byteOffset 0, no magic) is
// left alone by releaseOutputBuffer.

const HEADER_BYTES = 8;
const FREE = 0;
const IN_USE = 1;
const MAGIC = 0x4f504244; // 'DBPO'
/** Capacities are rounded up to this, so outputs of similar size fit each other's buffers. */
const GRAIN = 1 << 20;
/**
 * Bytes of buffers (in use or free) one thread's pool holds at most, by default; past that, outputs
 * get buffers of their own, freed by the garbage collector as before. Free buffers stay resident,
 * so an executor passes a smaller limit from its task memory (outputPoolLimit).
 */
export const POOL_MAX_BYTES = 64 * 1024 * 1024;

/** The pool limit of a thread with `taskMemoryBytes` of task memory: a quarter of it, at most POOL_MAX_BYTES. @example outputPoolLimit(90e6) // 22.5e6 */
export function outputPoolLimit(taskMemoryBytes: number): number {
  return Math.min(POOL_MAX_BYTES, taskMemoryBytes / 4);
}

const pool: SharedArrayBuffer[] = [];
let pooledBytes = 0;

/**
 * A `byteLength`-byte view over shared memory, from this thread's pool when a free buffer is large
 * enough: then it holds an older output's bytes (the encoder overwrites every byte, bucket-encoder.ts),
 * not zeros, since clearing it costs about as much as writing it.
 *
 * @example
 * const out = allocateOutputBuffer(1000); // ... encode into out, write it or keep it ...
 * releaseOutputBuffer(out); // its buffer serves the next map task of this thread
 */
export function allocateOutputBuffer(byteLength: number, poolLimit = POOL_MAX_BYTES): Uint8Array {
  let best: SharedArrayBuffer | undefined;
  for (const buffer of pool) {
    if (buffer.byteLength - HEADER_BYTES < byteLength || (best && best.byteLength <= buffer.byteLength)) continue;
    if (Atomics.load(new Int32Array(buffer, 0, 1), 0) === FREE) best = buffer;
  }
  if (best) {
    Atomics.store(new Int32Array(best, 0, 1), 0, IN_USE);
    return new Uint8Array(best, HEADER_BYTES, byteLength);
  }
  const capacity = Math.ceil((HEADER_BYTES + byteLength) / GRAIN) * GRAIN;
  if (pooledBytes + capacity > poolLimit) return new Uint8Array(new SharedArrayBuffer(byteLength));
  const buffer = new SharedArrayBuffer(capacity);
  const head = new Int32Array(buffer, 0, 2);
  head[0] = IN_USE;
  head[1] = MAGIC;
  pool.push(buffer);
  pooledBytes += capacity;
  return new Uint8Array(buffer, HEADER_BYTES, byteLength);
}

/**
 * Gives a pooled output's buffer back to the thread that allocated it; no-op for other buffers.
 * Only once nothing reads `bytes` any more (written to files, or its shuffle dropped).
 */
export function releaseOutputBuffer(bytes: Uint8Array): void {
  const buffer = bytes.buffer;
  if (!(buffer instanceof SharedArrayBuffer) || bytes.byteOffset !== HEADER_BYTES) return;
  const head = new Int32Array(buffer, 0, 2);
  if (head[1] === MAGIC) Atomics.store(head, 0, FREE);
}

/** Buffers of this thread's pool and how many are free (for tests). */
export function outputPoolStats(): { buffers: number; free: number; bytes: number } {
  const free = pool.filter((b) => Atomics.load(new Int32Array(b, 0, 1), 0) === FREE).length;
  return { buffers: pool.length, free, bytes: pooledBytes };
}
