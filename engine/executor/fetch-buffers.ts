// Buffers a task thread receives fetched shuffle blocks into, reused from one reduce task to the
// next instead of a fresh allocation per reply (on this kind of VM the first touch of new memory
// costs about 1 ms per MB, and every ~64 MB of new buffers makes V8 run a full collection).
//
// Ownership: Arrow decodes a block in place, so a reply's body is the memory of the tables the
// reduce task reads. A pooled body is "receiving" from its allocation until the reply is complete
// and handed to the fetch that asked for it, which claims it (claimFetchBody) for the task running
// on this thread (one at a time); a body whose reply never completes (the connection closed) is
// left to the garbage collector. Once that task has ended and its result has been posted (a
// structured clone, so the result holds no view of it), `endTask(true)` puts its bodies back for
// the next task. A task that cached partitions (their tables may be views of the bodies) or that
// failed ends with `endTask(false)`: its bodies are never reused. A reply that completes after its
// task ended (a fetch started ahead that nobody read) is claimed by the next task, which does not
// read it either. User code that keeps a batch past its task (in a global) must copy it, as with
// every buffer-reusing engine (Spark's reused Hadoop records).

import type { MessageHeader } from '../transport/index.ts';

/** Bodies smaller than this come from Node's allocator as before (the copy costs little). */
const MIN_POOLED_BYTES = 1 << 20;
/** Capacities are rounded up to this, so replies of similar size reuse each other's buffers. */
const GRAIN = 1 << 20;
/**
 * Free bytes the pool keeps at most; past that a freed buffer is left to the garbage collector.
 * A task thread lowers it to its fetch window (limitFetchPool): free buffers stay resident.
 */
let maxFreeBytes = 64 << 20;

const free: ArrayBuffer[] = [];
let freeBytes = 0;
/** Pooled bodies whose reply is still arriving (or never will: then the collector frees them). */
const receiving = new Set<ArrayBuffer>();
/** Bodies of complete replies claimed during the current task. */
let taken: ArrayBuffer[] = [];

/**
 * Keeps at most `bytes` of free buffers: a task thread's fetch window (memory-limit.ts
 * fetchWindowBytes), the most one task may have received and not yet consumed.
 *
 * @example limitFetchPool(fetchWindowBytes(taskMemoryBytes));
 */
export function limitFetchPool(bytes: number): void {
  maxFreeBytes = bytes;
  while (freeBytes > maxFreeBytes && free.length > 0) freeBytes -= free.pop()!.byteLength;
}

/**
 * The BodyAllocator of a task thread's fetch connections: a pooled buffer for a fetchBlocks reply
 * (header { type: 'ok', sizes }) of at least 1 MiB, else undefined (a fresh buffer).
 *
 * @example conn.setBodyAllocator(fetchBodyAllocator);
 */
export function fetchBodyAllocator(byteLength: number, header: MessageHeader): Buffer | undefined {
  if (byteLength < MIN_POOLED_BYTES || header.type !== 'ok' || !Array.isArray(header.sizes)) return undefined;
  let best = -1;
  for (let i = 0; i < free.length; i++) {
    if (free[i]!.byteLength >= byteLength && (best < 0 || free[i]!.byteLength < free[best]!.byteLength)) best = i;
  }
  let buffer: ArrayBuffer;
  if (best >= 0) {
    buffer = free[best]!;
    free.splice(best, 1);
    freeBytes -= buffer.byteLength;
  } else {
    buffer = new ArrayBuffer(Math.ceil(byteLength / GRAIN) * GRAIN);
  }
  receiving.add(buffer);
  return Buffer.from(buffer, 0, byteLength);
}

/**
 * A complete reply's body reaches the fetch that asked for it: it now belongs to the task running
 * on this thread. No-op for a body that is not from the pool.
 *
 * @example const reply = await conn.request(fetch); claimFetchBody(reply.body); // then decode it
 */
export function claimFetchBody(body: Uint8Array | undefined): void {
  if (body !== undefined && receiving.delete(body.buffer as ArrayBuffer)) taken.push(body.buffer as ArrayBuffer);
}

/**
 * The task on this thread has ended and its result was posted: its bodies go back to the pool
 * when `reusable` (nothing outside the task can hold a view of them), else they are forgotten.
 */
export function endTask(reusable: boolean): void {
  const done = taken;
  taken = [];
  if (!reusable) return;
  for (const buffer of done) {
    if (freeBytes + buffer.byteLength > maxFreeBytes) continue;
    free.push(buffer);
    freeBytes += buffer.byteLength;
  }
}

/** Buffers free in the pool, still receiving, and claimed by the current task (for tests). */
export function fetchBufferStats(): { free: number; freeBytes: number; receiving: number; taken: number } {
  return { free: free.length, freeBytes, receiving: receiving.size, taken: taken.length };
}
