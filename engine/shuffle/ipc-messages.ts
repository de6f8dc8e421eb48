// The Arrow IPC messages around a map output's buffers: its schema message, each bucket's record
// batch header (the first encoded by Arrow, the rest patched copies of it), and their framing.
// Split from bucket-encoder.ts, which lays out and gathers the bodies these headers describe.

import { Message, RecordBatch as BatchHeader, FieldNode, BufferRegion } from 'apache-arrow/ipc/metadata/message';
import { Table, Type } from 'apache-arrow';
import type { Schema } from 'apache-arrow';
import { isFixedWidth, isVarBinary } from '../kernels/data-layout.ts';
import { encodeIpc } from '../kernels/ipc.ts';

const pad8 = (n: number): number => (n + 7) & ~7;

/**
 * The schema message every map output of `schema` starts with (bytes [0, offsets[0]) of
 * encodeBuckets' result).
 *
 * @example schemaMessage(table.schema).byteLength === encodeBuckets(table, ids, 4).offsets[0]
 */
export function schemaMessage(schema: Schema): Uint8Array {
  const flat = schema.fields.every((f) => isFixedWidth(f.type) || f.type.typeId === Type.Bool || isVarBinary(f.type));
  if (flat) return frameMessage(Message.encode(Message.from(schema)));
  const empty = encodeIpc(new Table(schema));
  return empty.slice(0, firstMessageEnd(empty));
}

/**
 * The record batch messages of one output: every bucket's has the same layout (one node per
 * column, the same buffers; no field at its default value, since a non-empty bucket has rows and
 * body bytes), so the first is encoded by Arrow and the others are copies of it with their numbers
 * written in place (Arrow's flatbuffer encoding costs ~6 µs a message: 12 ms a map task of 2,000
 * buckets). A second bucket is also encoded by Arrow and must match its copy, else every bucket
 * goes through Arrow.
 */
export class BatchMessages {
  private template?: { bytes: Uint8Array; length: number; bodyLength: number; nodes: number; buffers: number } | null;
  private checked = false;

  encode(n: number, nodes: FieldNode[], regions: BufferRegion[], body: number): Uint8Array {
    const arrow = (): Uint8Array => frameMessage(Message.encode(Message.from(new BatchHeader(n, nodes, regions, null), body)));
    if (this.template === undefined) {
      const first = arrow();
      this.template = body > 0 ? locateBatchFields(first, nodes.length, regions.length) : null;
      return first;
    }
    if (this.template === null) return arrow();
    const t = this.template;
    const out = t.bytes.slice();
    const view = new DataView(out.buffer);
    setUint64(view, t.length, n);
    setUint64(view, t.bodyLength, body);
    for (let i = 0; i < nodes.length; i++) {
      setUint64(view, t.nodes + 16 * i, nodes[i]!.length);
      setUint64(view, t.nodes + 16 * i + 8, nodes[i]!.nullCount);
    }
    for (let j = 0; j < regions.length; j++) {
      setUint64(view, t.buffers + 16 * j, regions[j]!.offset);
      setUint64(view, t.buffers + 16 * j + 8, regions[j]!.length);
    }
    if (!this.checked) {
      this.checked = true;
      const expected = arrow();
      if (expected.byteLength !== out.byteLength || !expected.every((x, i) => x === out[i])) {
        this.template = null;
        return expected;
      }
    }
    return out;
  }
}

const setUint64 = (view: DataView, at: number, value: number): void => {
  view.setUint32(at, value >>> 0, true);
  view.setUint32(at + 4, Math.floor(value / 4294967296), true);
};

/**
 * Where a framed RecordBatch message (frameMessage of Message.encode) holds its numbers: the
 * batch's length, the message's bodyLength (int64 fields) and the first FieldNode and Buffer
 * structs (16 bytes each, consecutive); null if any is absent or the counts differ.
 */
function locateBatchFields(framed: Uint8Array, nodeCount: number, bufferCount: number): { bytes: Uint8Array; length: number; bodyLength: number; nodes: number; buffers: number } | null {
  const base = 8; // continuation marker and metadata length
  const view = new DataView(framed.buffer, framed.byteOffset, framed.byteLength);
  const u32 = (at: number): number => view.getUint32(base + at, true);
  /** Position of field `index` of the table at `table`, or 0 when absent. */
  const field = (table: number, index: number): number => {
    const vtable = table - view.getInt32(base + table, true);
    const vtableSize = view.getUint16(base + vtable, true);
    if (4 + 2 * index >= vtableSize) return 0;
    const offset = view.getUint16(base + vtable + 4 + 2 * index, true);
    return offset === 0 ? 0 : table + offset;
  };
  try {
    const message = u32(0);
    const bodyLength = field(message, 3);
    const headerRef = field(message, 2);
    if (bodyLength === 0 || headerRef === 0) return null;
    const batch = headerRef + u32(headerRef);
    const length = field(batch, 0);
    const nodesRef = field(batch, 1);
    const buffersRef = field(batch, 2);
    if (length === 0 || nodesRef === 0 || buffersRef === 0) return null;
    const nodes = nodesRef + u32(nodesRef);
    const buffers = buffersRef + u32(buffersRef);
    if (u32(nodes) !== nodeCount || u32(buffers) !== bufferCount) return null;
    return { bytes: framed, length: base + length, bodyLength: base + bodyLength, nodes: base + nodes + 4, buffers: base + buffers + 4 };
  } catch {
    return null; // a layout this reader does not follow: Arrow encodes every message
  }
}

/** An encoded flatbuffer with its IPC prefix (continuation marker, padded length) and padding. */
export function frameMessage(flatbuffer: Uint8Array): Uint8Array {
  const size = pad8(8 + flatbuffer.byteLength);
  const framed = new Uint8Array(size);
  const view = new DataView(framed.buffer);
  view.setInt32(0, -1, true);
  view.setInt32(4, size - 8, true);
  framed.set(flatbuffer, 8);
  return framed;
}

/** End of the first message (the schema) of an IPC stream: prefix, metadata, and its body (none). */
export function firstMessageEnd(stream: Uint8Array): number {
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  return view.getInt32(0, true) === -1 ? 8 + view.getInt32(4, true) : 4 + view.getInt32(0, true);
}
