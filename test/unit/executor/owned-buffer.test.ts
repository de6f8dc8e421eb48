// ownedBuffer (task-threads.ts): which bytes a task thread and its executor's main thread move to each
// other with a message instead of copying: only bytes that span an ArrayBuffer of their own.

import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { Table, makeVector } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { decodeIpc, encodeIpc } from '../../../engine/kernels/ipc.ts';
import { ownedBuffer } from '../../../engine/executor/task-threads.ts';

describe('ownedBuffer', () => {
  it("moves a table's fresh IPC bytes to the other side, which decodes them; the sender's view is detached", () => {
    const ipc = encodeIpc(new Table({ x: makeVector(Int32Array.from({ length: 100_000 }, (_, i) => i)) }));
    const transfer = ownedBuffer(ipc);
    expect(transfer).toEqual([ipc.buffer]);
    const { port1, port2 } = new MessageChannel();
    port1.postMessage({ ipc }, transfer);
    const got = receiveMessageOnPort(port2)?.message as { ipc: Uint8Array };
    expect(ipc.byteLength).toBe(0); // moved, not copied
    expect(decodeIpc(got.ipc, 'the moved result').getChild('x')?.get(99_999)).toBe(99_999);
    port1.close();
  });

  it('never moves memory others may share: a slice, a small pooled Buffer, a SharedArrayBuffer, nothing', () => {
    const whole = new Uint8Array(1000);
    expect(ownedBuffer(whole.subarray(1))).toEqual([]);
    expect(ownedBuffer(whole.subarray(0, 999))).toEqual([]);
    expect(ownedBuffer(Buffer.from('a small buffer from the pool'))).toEqual([]);
    expect(ownedBuffer(new Uint8Array(new SharedArrayBuffer(64)))).toEqual([]);
    expect(ownedBuffer(new Uint8Array(0))).toEqual([]);
    expect(ownedBuffer(undefined)).toEqual([]);
    expect(ownedBuffer({ byteLength: 3 })).toEqual([]);
  });
});
