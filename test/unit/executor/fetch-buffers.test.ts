// Fetched blocks received into reused buffers: the frame decoder's body allocator, and the task
// thread's pool that hands a finished task's reply buffers to the next task and never reuses a
// buffer whose task cached partitions or failed.

import { describe, expect, it } from 'vitest';
import { FrameDecoder, FrameError, encodeFrame } from '../../../engine/transport/frame.ts';
import { claimFetchBody, endTask, fetchBodyAllocator, fetchBufferStats, limitFetchPool } from '../../../engine/executor/fetch-buffers.ts';

const MiB = 1 << 20;

function blocksReply(bytes: number, fill: number): Buffer {
  return Buffer.concat(encodeFrame({ header: { type: 'ok', sizes: [bytes] }, body: new Uint8Array(bytes).fill(fill) }));
}

describe('FrameDecoder body allocator', () => {
  it('receives a body into the buffer the allocator gives, whatever the chunking', () => {
    const target = Buffer.alloc(3 * MiB + 5);
    const decoder = new FrameDecoder({ allocateBody: (n, header) => (header.type === 'ok' ? target.subarray(0, n) : undefined) });
    const wire = Buffer.concat([blocksReply(2 * MiB + 3, 7), ...encodeFrame({ header: { type: 'other' }, body: Buffer.from('xyz') })]);
    const got = [];
    for (let at = 0; at < wire.byteLength; at += 65_536) got.push(...decoder.push(wire.subarray(at, at + 65_536)));
    expect(got).toHaveLength(2);
    expect(got[0]!.body!.buffer).toBe(target.buffer);
    expect(got[0]!.body!.byteLength).toBe(2 * MiB + 3);
    expect(got[0]!.body!.every((b) => b === 7)).toBe(true);
    expect(got[1]!.body!.buffer).not.toBe(target.buffer);
    expect(Buffer.from(got[1]!.body!).toString()).toBe('xyz');
  });

  it('refuses a buffer of the wrong size as a receiver bug', () => {
    const decoder = new FrameDecoder({ allocateBody: (n) => Buffer.alloc(n + 1) });
    expect(() => decoder.push(blocksReply(100, 1))).toThrow(FrameError);
  });
});

describe('fetch buffer pool', () => {
  it('reuses a finished task\'s reply buffers, and never those of a task that cached or failed', () => {
    endTask(false);
    const header = { type: 'ok', sizes: [5 * MiB] };
    expect(fetchBodyAllocator(1000, header)).toBeUndefined(); // small bodies: Node's allocator
    expect(fetchBodyAllocator(5 * MiB, { type: 'error' })).toBeUndefined(); // only block replies

    const first = fetchBodyAllocator(5 * MiB, header)!;
    expect(first.byteLength).toBe(5 * MiB);
    expect(fetchBufferStats()).toMatchObject({ receiving: 1, taken: 0 });
    claimFetchBody(first); // the reply is complete and reaches its fetch
    claimFetchBody(new Uint8Array(10)); // not pooled: ignored
    expect(fetchBufferStats()).toMatchObject({ receiving: 0, taken: 1 });
    endTask(true);
    expect(fetchBufferStats()).toMatchObject({ free: 1, taken: 0 });

    const second = fetchBodyAllocator(4 * MiB, header)!; // fits the freed one
    expect(second.buffer).toBe(first.buffer);
    expect(fetchBufferStats().free).toBe(0);
    claimFetchBody(second);
    endTask(false); // e.g. the task cached its partition: its tables may be views of `second`
    expect(fetchBufferStats()).toMatchObject({ free: 0, taken: 0 });

    const third = fetchBodyAllocator(4 * MiB, header)!;
    expect(third.buffer).not.toBe(first.buffer);
    claimFetchBody(third);
    endTask(true);
  });

  it('never frees a body whose reply is still arriving when a task ends', () => {
    endTask(false);
    const header = { type: 'ok', sizes: [2 * MiB] };
    const arriving = fetchBodyAllocator(2 * MiB, header)!; // a fetch started ahead by a task that ended
    endTask(true); // the next task ends before the reply is complete
    const other = fetchBodyAllocator(2 * MiB, header)!;
    expect(other.buffer).not.toBe(arriving.buffer);
    claimFetchBody(arriving); // complete now: claimed by the task running, freed when it ends
    claimFetchBody(other);
    endTask(true);
    expect(fetchBufferStats()).toMatchObject({ receiving: 0, taken: 0 });
  });

  it('keeps no more free bytes than its limit (a thread\'s fetch window)', () => {
    endTask(false);
    limitFetchPool(3 * MiB);
    const header = { type: 'ok', sizes: [2 * MiB] };
    const bodies = [fetchBodyAllocator(2 * MiB, header)!, fetchBodyAllocator(2 * MiB, header)!];
    for (const body of bodies) claimFetchBody(body);
    endTask(true);
    expect(fetchBufferStats()).toMatchObject({ free: 1, freeBytes: 2 * MiB });
    limitFetchPool(MiB);
    expect(fetchBufferStats()).toMatchObject({ free: 0, freeBytes: 0 });
    limitFetchPool(64 * MiB);
  });
});
