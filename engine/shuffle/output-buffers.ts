// Map output buffers a task thread recycles: SharedArrayBuffers that go back to their thread's pool
// once the output is written to files or its shuffle is dropped (by any thread), instead of fresh
// memory per map task. On this kind of VM the first touch of new memory costs about 1 ms per MB,
// and every ~64 MB of new ArrayBuffers makes V8 run a full collection.
//
// Each pooled buffer starts with an 8-byte header: an Int32 state (FREE / IN_USE, changed with
// Atomics, so the main thread's store can free a buffer a task thread allocated) and a magic word;
// the output's bytes are a view from just past it. The buffers are slots of the thread's wasm
// kernel memory while it has room (the kernels then scatter columns straight into the output),
// else SharedArrayBuffers of their own. A buffer outside the pool (no magic before its view) is
// left alone by releaseOutputBuffer.

import { kernelMemoryBuffer, kernelOutputRegion } from '../kernels/shuffle-wasm.ts';

const HEADER_BYTES = 8;
const FREE = 0;
const IN_USE = 1;
const MAGIC = 0x4f504244; // 'DBPO'
/** Capacities are rounded up to this, so outputs of similar size fit each other's buffers. */
const GRAIN = 1 << 20;
/**
 * Bytes of buffers (in use or free) one thread's pool holds at most, by default; past that, outputs
 * get buffers of their own, freed by the garbage collector as before. Free buffers stay resident,
 * so an executor passes a smaller limit from its task memory (outputPoolLimit). Two shuffles' map
 * outputs are often alive at once (a job's next shuffle runs before the cleaner drops the last one;
 * a join's two sides): at 64 MB, bench/core's shuffle job run back to back (4 outputs of 10.5 MB a
 * thread per job) got a fresh, page-faulted buffer for 2-3 outputs a job, and took 181-215 core-ms
 * a job against 164-167 at 128 MB (/proc CPU of all processes, 30 jobs, alternating builds).
 */
export const POOL_MAX_BYTES = 128 * 1024 * 1024;

/** The pool limit of a thread with `taskMemoryBytes` of task memory: a quarter of it, at most POOL_MAX_BYTES. @example outputPoolLimit(90e6) // 22.5e6 */
export function outputPoolLimit(taskMemoryBytes: number): number {
  return Math.min(POOL_MAX_BYTES, taskMemoryBytes / 4);
}

/**
 * A pooled buffer: `capacity` bytes at `offset` of a SharedArrayBuffer, its header first. Slots in
 * this thread's wasm kernel memory (shuffle-wasm.ts kernelOutputRegion) are taken first: an output
 * encoded there is scattered into place by the kernels, with no copy out of wasm memory; past
 * that memory's room, each slot is a SharedArrayBuffer of its own (offset 0).
 */
interface Slot {
  /** Undefined for a slot in kernel memory: its buffer is the memory's current one (it grows). */
  buffer?: SharedArrayBuffer;
  offset: number;
  capacity: number;
}

const pool: Slot[] = [];
let pooledBytes = 0;

const bufferOf = (slot: Slot): SharedArrayBuffer => slot.buffer ?? kernelMemoryBuffer()!;
const headerOf = (slot: Slot): Int32Array => new Int32Array(bufferOf(slot), slot.offset, 2);

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
  let best: Slot | undefined;
  for (const slot of pool) {
    if (slot.capacity - HEADER_BYTES < byteLength || (best && best.capacity <= slot.capacity)) continue;
    if (Atomics.load(headerOf(slot), 0) === FREE) best = slot;
  }
  if (best) {
    Atomics.store(headerOf(best), 0, IN_USE);
    return new Uint8Array(bufferOf(best), best.offset + HEADER_BYTES, byteLength);
  }
  const capacity = Math.ceil((HEADER_BYTES + byteLength) / GRAIN) * GRAIN;
  if (pooledBytes + capacity > poolLimit) return new Uint8Array(new SharedArrayBuffer(byteLength));
  const region = kernelOutputRegion(capacity);
  const slot: Slot = region ? { offset: region.offset, capacity } : { buffer: new SharedArrayBuffer(capacity), offset: 0, capacity };
  const head = headerOf(slot);
  head[0] = IN_USE;
  head[1] = MAGIC;
  pool.push(slot);
  pooledBytes += capacity;
  return new Uint8Array(bufferOf(slot), slot.offset + HEADER_BYTES, byteLength);
}

/**
 * Gives a pooled output's buffer back to the thread that allocated it; no-op for other buffers.
 * Only once nothing reads `bytes` any more (written to files, or its shuffle dropped).
 */
export function releaseOutputBuffer(bytes: Uint8Array): void {
  const buffer = bytes.buffer;
  if (!(buffer instanceof SharedArrayBuffer) || bytes.byteOffset < HEADER_BYTES || bytes.byteOffset % 8 !== 0) return;
  const head = new Int32Array(buffer, bytes.byteOffset - HEADER_BYTES, 2);
  if (head[1] === MAGIC) Atomics.store(head, 0, FREE);
}

/** Buffers of this thread's pool and how many are free (for tests). */
export function outputPoolStats(): { buffers: number; free: number; bytes: number } {
  const free = pool.filter((slot) => Atomics.load(headerOf(slot), 0) === FREE).length;
  return { buffers: pool.length, free, bytes: pooledBytes };
}
