// Tests of the frame codec: arbitrary chunking, large bodies, and every way a frame can be bad.

import { describe, expect, it } from 'vitest';
import { FrameDecoder, FrameError, encodeFrame } from '../../../engine/transport/frame.ts';
import type { Message } from '../../../engine/transport/frame.ts';

const messages: Message[] = [
  { header: { type: 'fetchBlock', shuffle: 3, map: 0, reduce: 5 } },
  { header: { type: 'block', rows: 4, note: 'ünïcødé ✓' }, body: new Uint8Array([1, 2, 3, 4, 5, 250]) },
  { header: { type: 'empty', nested: { a: [1, null, 'x'] } }, body: new Uint8Array(0) },
  { header: { type: 'tail' }, body: Buffer.from('the end') },
];

function wire(msgs: Message[]): Buffer {
  return Buffer.concat(msgs.flatMap((m) => encodeFrame(m)));
}

/** What the decoder should give back: same header, body bytes (an empty body comes back as none). */
function normalized(msgs: Message[]): { header: unknown; body: number[] | undefined }[] {
  return msgs.map((m) => ({
    header: m.header,
    body: m.body === undefined || m.body.byteLength === 0 ? undefined : [...m.body],
  }));
}

function prefix(headerLength: number, bodyLength: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(headerLength, 0);
  b.writeUInt32BE(bodyLength, 4);
  return b;
}

describe('encodeFrame', () => {
  it('lays out u32 BE header length, u32 BE body length, JSON header, body', () => {
    const [head, body] = encodeFrame({ header: { type: 't', n: 1 }, body: new Uint8Array([9, 8]) });
    const json = '{"type":"t","n":1}';
    expect(head?.readUInt32BE(0)).toBe(json.length);
    expect(head?.readUInt32BE(4)).toBe(2);
    expect(head?.subarray(8).toString('utf8')).toBe(json);
    expect([...(body as Buffer)]).toEqual([9, 8]);
  });

  it('does not copy the body', () => {
    const backing = new Uint8Array(1024);
    const body = backing.subarray(100, 900);
    const parts = encodeFrame({ header: { type: 'bulk' }, body });
    expect(parts).toHaveLength(2);
    expect(parts[1]?.buffer).toBe(backing.buffer);
    expect(parts[1]?.byteOffset).toBe(100);
    expect(parts[1]?.byteLength).toBe(800);
  });

  it('refuses a message above the receiver limit, naming the byte counts', () => {
    const msg = { header: { type: 'big' }, body: new Uint8Array(2000) };
    expect(() => encodeFrame(msg, 1000)).toThrow(FrameError);
    expect(() => encodeFrame(msg, 1000)).toThrow(/'big' needs 2014 frame bytes \(14 header \+ 2000 body\), above the 1000-byte limit/);
  });

  it('refuses a header that is not JSON-serializable', () => {
    expect(() => encodeFrame({ header: { type: 'x', n: 1n } })).toThrow(/header of message 'x' is not JSON-serializable/);
  });
});

describe('FrameDecoder', () => {
  const bytes = wire(messages);

  it('decodes many frames from one chunk', () => {
    const decoded = new FrameDecoder().push(bytes);
    expect(normalized(decoded)).toEqual(normalized(messages));
  });

  it('decodes a stream split at every byte boundary', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const decoder = new FrameDecoder();
      const decoded = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))];
      expect(normalized(decoded), `split at byte ${cut}`).toEqual(normalized(messages));
      expect(decoder.pendingBytes).toBe(0);
    }
  });

  it('decodes a stream fed one byte at a time', () => {
    const decoder = new FrameDecoder();
    const decoded: Message[] = [];
    for (let i = 0; i < bytes.length; i++) decoded.push(...decoder.push(bytes.subarray(i, i + 1)));
    expect(normalized(decoded)).toEqual(normalized(messages));
    expect(() => decoder.end()).not.toThrow();
  });

  it('assembles a large body from many chunks into one buffer with the right bytes', () => {
    const body = Buffer.allocUnsafe(24 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4) body.writeUInt32LE(i, i);
    const stream = wire([{ header: { type: 'big' }, body }, { header: { type: 'after' } }]);
    const decoder = new FrameDecoder();
    const decoded: Message[] = [];
    for (let off = 0; off < stream.length; off += 65536) decoded.push(...decoder.push(stream.subarray(off, off + 65536)));
    expect(decoded.map((m) => m.header.type)).toEqual(['big', 'after']);
    expect(decoded[0]?.body?.byteLength).toBe(body.length);
    expect(Buffer.compare(Buffer.from(decoded[0]?.body as Uint8Array), body)).toBe(0);
  });

  it('lets reads land in the body being received, reused-buffer reads around them, with the right bytes', () => {
    // As socket-reads.ts drives it: a read goes into bodyTarget() when there is one, else into one
    // reused buffer whose pending bytes the decoder must copy before the next read overwrites them.
    const big = Buffer.allocUnsafe(50_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const msgs: Message[] = [{ header: { type: 'a' } }, { header: { type: 'big', n: 1 }, body: big }, { header: { type: 'tail' }, body: Buffer.from('xyz') }, { header: { type: 'big', n: 2 }, body: big }];
    const stream = wire(msgs);
    for (const readSize of [5, 1000, 4096, 65536]) {
      const decoder = new FrameDecoder();
      const scratch = Buffer.alloc(readSize);
      const decoded: Message[] = [];
      let direct = 0;
      for (let at = 0; at < stream.length; ) {
        const target = decoder.bodyTarget(4096) ?? scratch;
        const n = Math.min(target.byteLength, readSize, stream.length - at);
        stream.copy(target, 0, at, at + n);
        at += n;
        if (target === scratch) decoder.write(scratch.subarray(0, n));
        else (decoder.advanceBody(target, n), direct++);
        for (let m = decoder.read(); m; m = decoder.read()) decoded.push(m);
        decoder.retainPending();
        scratch.fill(0xee); // the next read overwrites it
      }
      expect(normalized(decoded), `reads of ${readSize} bytes`).toEqual(normalized(msgs));
      expect(direct, `reads of ${readSize} bytes into a body`).toBeGreaterThan(0);
      expect(decoder.pendingBytes).toBe(0);
    }
  });

  it('refuses a count of bytes read into anything but the rest of the current body', () => {
    const decoder = new FrameDecoder();
    decoder.write(wire([{ header: { type: 'big' }, body: Buffer.alloc(100_000) }]).subarray(0, 1000));
    expect(decoder.read()).toBeUndefined();
    const target = decoder.bodyTarget(1)!;
    expect(target.byteLength).toBe(100_000 - (1000 - 8 - '{"type":"big"}'.length));
    expect(() => decoder.advanceBody(Buffer.alloc(10), 10)).toThrow(FrameError);
  });

  it('refuses a frame that declares more bytes than the limit, before reading the body', () => {
    const decoder = new FrameDecoder();
    expect(() => decoder.push(prefix(20, 2_000_000_000))).toThrow(
      'frame header declares 2000000000 body bytes, above the 536870912-byte limit (transport.maxFrameBytes)',
    );
    // The stream position is lost: the decoder stays broken.
    expect(() => decoder.push(wire([messages[0] as Message]))).toThrow(FrameError);
  });

  it('counts the header against the limit too', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 100 });
    expect(() => decoder.push(prefix(60, 60))).toThrow('frame declares 60 header bytes + 60 body bytes = 120 bytes, above the 100-byte limit');
  });

  it('applies a changed limit to the next frame', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 16, limitName: 'handshake limit' });
    const big = wire([{ header: { type: 'x' }, body: new Uint8Array(100) }]);
    expect(() => new FrameDecoder({ maxFrameBytes: 16, limitName: 'handshake limit' }).push(big)).toThrow(/\(handshake limit\)/);
    decoder.setLimit(1000);
    expect(decoder.push(big)).toHaveLength(1);
  });

  it('refuses a header that is not JSON', () => {
    const header = Buffer.from('{"type": oops}');
    expect(() => new FrameDecoder().push(Buffer.concat([prefix(header.length, 0), header]))).toThrow(
      /frame header is not valid JSON \(14 bytes, starting "\{\\"type\\": oops\}"\)/,
    );
  });

  it.each([
    ['{"kind":"x"}', /no string 'type' field \(got none\)/],
    ['{"type":42}', /no string 'type' field \(got 42\)/],
    ['["type"]', /must be a JSON object with a string 'type'/],
    ['null', /must be a JSON object/],
  ])('refuses header %s', (json, expected) => {
    const header = Buffer.from(json);
    const decoder = new FrameDecoder();
    expect(() => decoder.push(Buffer.concat([prefix(header.length, 0), header]))).toThrow(expected);
  });

  it('reports a frame cut short when the stream ends', () => {
    const decoder = new FrameDecoder();
    // 8 prefix + 88 header + 4000 body = 4096 frame bytes; only the prefix and 4 header bytes arrive.
    decoder.push(Buffer.concat([prefix(88, 4000), Buffer.from('{"ty')]));
    expect(() => decoder.end()).toThrow('connection closed with 12 of 4096 frame bytes received');
  });

  it('reports a frame cut short inside its body', () => {
    const [head, body] = encodeFrame({ header: { type: 'b' }, body: new Uint8Array(1000) });
    const decoder = new FrameDecoder();
    expect(decoder.push(Buffer.concat([head as Buffer, (body as Buffer).subarray(0, 300)]))).toEqual([]);
    const total = (head as Buffer).length + 1000;
    expect(() => decoder.end()).toThrow(`connection closed with ${(head as Buffer).length + 300} of ${total} frame bytes received`);
  });

  it('reports a length prefix cut short when the stream ends', () => {
    const decoder = new FrameDecoder();
    decoder.push(Buffer.from([0, 0, 1]));
    expect(() => decoder.end()).toThrow('connection closed with 3 of 8 frame prefix bytes received');
  });
});
