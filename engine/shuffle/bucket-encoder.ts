// Encodes one map task's output as ONE Arrow IPC stream body with one record batch per reduce
// bucket, gathering every row straight from the input columns into the output buffer.
//
// Why by hand: the obvious way (permute the whole table, slice it per bucket, `tableToIPC` each
// slice) copies every byte twice more than needed: once into the permuted table and once into the
// IPC buffers. Here the layout of every bucket's batch is computed first (row counts, null counts,
// string bytes per bucket), one buffer of the exact size is allocated, and each column is gathered
// once, into its place in that buffer. Only the small flatbuffer metadata (ipc-messages.ts) goes through Arrow's own
// encoder (`Message.encode`), so the stream is one Arrow's reader understands by construction.
//
// Layout of the result, worked example with 3 buckets where bucket 1 got no rows:
//
//   bytes:    [schema message | batch of bucket 0 | batch of bucket 2]
//   offsets:  [S, S+B0, S+B0, S+B0+B2]       (offsets[0] = S is the schema message's length;
//                                             bucket b is bytes [offsets[b], offsets[b+1]))
//
// A reader of buckets [lo, hi) decodes `schema ++ bytes[offsets[lo], offsets[hi]) ++ EOS` as one
// stream (see map-output.ts). Every message is 8-byte aligned, so buffers decode without copies.
//
// Columns of flat types (fixed width, Bool, Utf8, Binary) take the direct path; a table with any
// other column (List, Struct, Dictionary, ...) is split with takeRows and encoded per bucket by the
// engine's encoder (kernels/ipc.ts), with the same layout. Nothing is read from a source buffer outside its column's own
// rows, so tables whose columns share or overlap one buffer (slices of a decoded stream) are safe.

import { Message, FieldNode, BufferRegion } from 'apache-arrow/ipc/metadata/message';
import { Table, Type } from 'apache-arrow';
import type { Data, Schema } from 'apache-arrow';
import { DataflowError } from '../errors.ts';
import { columnData } from '../kernels/columns.ts';
import { isFixedWidth, isVarBinary } from '../kernels/data-layout.ts';
import { encodeIpc } from '../kernels/ipc.ts';
import { takeRows } from '../kernels/take.ts';
import { BatchMessages, firstMessageEnd, frameMessage } from './ipc-messages.ts';
import { bucketCountsWasm, scatterBinaryWasm, scatterBitsWasm, scatterFixedWasm } from '../kernels/shuffle-wasm.ts';
import type { FixedColumn } from '../kernels/shuffle-wasm.ts';

/** A map output in memory: the stream without its end marker, and where each bucket's batch lies. */
export interface EncodedBuckets {
  bytes: Uint8Array;
  /** numBuckets + 1 positions in `bytes`; offsets[0] is the end of the schema message. */
  offsets: number[];
}

/**
 * Allocates the output buffer, e.g. over a SharedArrayBuffer for a store shared by threads. It need
 * not be zero-filled (a reused buffer holds an older output): the encoder writes every byte, padding
 * included, so the same rows always give the same bytes.
 */
export type Allocate = (byteLength: number) => Uint8Array;

const plainAllocate: Allocate = (n) => new Uint8Array(n);

/** The 8 bytes that end an IPC stream: continuation marker, then a zero metadata length. */
export const END_OF_STREAM = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0);

/**
 * Encode `table` as one batch per bucket, row i going to bucket `ids[i]`, rows of a bucket in their
 * original order.
 *
 * @example
 * const { bytes, offsets } = encodeBuckets(table, Int32Array.of(1, 0, 1), 2);
 * // bucket 1 (rows 0 and 2) is bytes.subarray(offsets[1], offsets[2])
 */
export function encodeBuckets(table: Table, ids: Int32Array, numBuckets: number, allocate: Allocate = plainAllocate): EncodedBuckets {
  const columns = table.schema.fields.map((f) => columnData(table, f.name));
  const flat = columns.every((c) => flatKind(c) !== undefined);
  if (!flat) {
    const { starts, perm } = sortByBucket(ids, numBuckets, new Int32Array(ids.length));
    return encodeGeneric(table, starts, perm, allocate);
  }
  return encodeFlat(table.schema, columns, ids, bucketStarts(ids, numBuckets), allocate);
}

/** Row counts per bucket as starts: bucket b would hold rows [starts[b], starts[b+1]) of a sort by bucket. */
function bucketStarts(ids: Int32Array, numBuckets: number): Int32Array {
  const starts = new Int32Array(numBuckets + 1);
  const bad = ids.length >= WASM_MIN_ROWS ? bucketCountsWasm(ids, numBuckets, starts.subarray(1)) : undefined;
  if (bad !== undefined && bad >= 0) outOfRange(bad, ids[bad]!, numBuckets);
  if (bad === undefined) {
    for (let i = 0; i < ids.length; i++) {
      const b = ids[i]!;
      if (!(b >= 0 && b < numBuckets)) outOfRange(i, b, numBuckets);
      starts[b + 1]++;
    }
  }
  for (let b = 0; b < numBuckets; b++) starts[b + 1] += starts[b]!;
  return starts;
}

function outOfRange(row: number, bucket: number, numBuckets: number): never {
  throw new DataflowError('INVALID_PARTITIONER', `row ${row} was assigned partition ${bucket}, outside 0..${numBuckets - 1}.`);
}

/**
 * Counting sort of row indices by bucket, into `perm` (at least ids.length long): bucket b's rows
 * are perm[starts[b] .. starts[b+1]).
 */
function sortByBucket(ids: Int32Array, numBuckets: number, perm: Int32Array): { starts: Int32Array; perm: Int32Array } {
  const starts = bucketStarts(ids, numBuckets);
  const next = starts.slice(0, numBuckets);
  for (let i = 0; i < ids.length; i++) perm[next[ids[i]!]!++] = i;
  return { starts, perm };
}

type FlatKind = 'fixed' | 'bool' | 'binary';

function flatKind(data: Data): FlatKind | undefined {
  if (isFixedWidth(data.type)) return 'fixed';
  if (data.type.typeId === Type.Bool) return 'bool';
  if (isVarBinary(data.type)) return 'binary';
  return undefined;
}

const pad8 = (n: number): number => (n + 7) & ~7;

/** What the gather loops need to know about one column. */
interface ColumnPlan {
  data: Data;
  kind: FlatKind;
  /** Bytes per row of a fixed-width column. */
  width: number;
  hasNulls: boolean;
  /** Nulls per bucket (when hasNulls). */
  nulls?: Int32Array;
  /** Value bytes per bucket (binary columns). */
  bytes?: Float64Array;
}

function planColumn(data: Data, ids: Int32Array, numBuckets: number): ColumnPlan {
  const kind = flatKind(data)!;
  const width = kind === 'fixed' ? fixedWidthBytes(data) : 0;
  const hasNulls = data.nullCount > 0 && data.nullBitmap !== undefined && data.nullBitmap.length > 0;
  const plan: ColumnPlan = { data, kind, width, hasNulls };
  if (hasNulls) {
    const nulls = new Int32Array(numBuckets);
    const bitmap = data.nullBitmap!;
    const off = data.offset;
    for (let i = 0; i < ids.length; i++) {
      const bit = off + i;
      if ((bitmap[bit >> 3]! & (1 << (bit & 7))) === 0) nulls[ids[i]!]++;
    }
    plan.nulls = nulls;
  }
  if (kind === 'binary') {
    const bytes = new Float64Array(numBuckets);
    const offs = data.valueOffsets as Int32Array;
    for (let i = 0; i < ids.length; i++) bytes[ids[i]!] += offs[i + 1]! - offs[i]!;
    plan.bytes = bytes;
  }
  return plan;
}

function fixedWidthBytes(data: Data): number {
  const values = data.values as unknown as { BYTES_PER_ELEMENT?: number } | undefined;
  const element = values?.BYTES_PER_ELEMENT ?? (data.type as unknown as { ArrayType: { BYTES_PER_ELEMENT: number } }).ArrayType.BYTES_PER_ELEMENT;
  return element * data.stride;
}

function encodeFlat(schema: Schema, columns: Data[], ids: Int32Array, starts: Int32Array, allocate: Allocate): EncodedBuckets {
  const numBuckets = starts.length - 1;
  const plans = columns.map((c) => planColumn(c, ids, numBuckets));
  const schemaMessage = frameMessage(Message.encode(Message.from(schema)));
  // First pass: each bucket's metadata and body size.
  const batchMessages = new BatchMessages();
  const metas: Array<{ meta: Uint8Array; regions: BufferRegion[] } | undefined> = new Array(numBuckets);
  const offsets = new Array<number>(numBuckets + 1);
  offsets[0] = schemaMessage.byteLength;
  for (let b = 0; b < numBuckets; b++) {
    const n = starts[b + 1]! - starts[b]!;
    if (n === 0) {
      offsets[b + 1] = offsets[b]!;
      continue;
    }
    const nodes: FieldNode[] = [];
    const regions: BufferRegion[] = [];
    let body = 0;
    const region = (length: number): void => {
      regions.push(new BufferRegion(body, length));
      body += pad8(length);
    };
    for (const p of plans) {
      const nulls = p.hasNulls ? p.nulls![b]! : 0;
      nodes.push(new FieldNode(n, nulls));
      region(nulls > 0 ? (n + 7) >> 3 : 0);
      if (p.kind === 'fixed') region(n * p.width);
      else if (p.kind === 'bool') region((n + 7) >> 3);
      else {
        region((n + 1) * 4);
        region(p.bytes![b]!);
      }
    }
    const meta = batchMessages.encode(n, nodes, regions, body);
    metas[b] = { meta, regions };
    offsets[b + 1] = offsets[b]! + meta.byteLength + body;
  }
  const out = allocate(offsets[numBuckets]!);
  out.set(schemaMessage, 0);
  // Where each column's regions of each bucket start, in bytes from the start of `out`.
  // (allocated for every column even when no bucket has rows: a task's empty output is scattered too)
  const regionAt = plans.map((p) => Array.from({ length: p.kind === 'binary' ? 3 : 2 }, () => new Float64Array(numBuckets)));
  for (let b = 0; b < numBuckets; b++) {
    const layout = metas[b];
    if (!layout) continue;
    out.set(layout.meta, offsets[b]!);
    const bodyStart = offsets[b]! + layout.meta.byteLength;
    let r = 0;
    plans.forEach((p, c) => {
      const regions = p.kind === 'binary' ? 3 : 2;
      for (let k = 0; k < regions; k++) {
        const { offset, length } = layout.regions[r++]!;
        const start = bodyStart + offset;
        regionAt[c]![k]![b] = start;
        // The scatter loops write each value once: bitmaps are OR-ed into zeros, a binary column's
        // first offset is 0, and the padding to 8 bytes is zeros too.
        const bits = k === 0 || (p.kind === 'bool' && k === 1);
        out.fill(0, bits ? start : start + length, start + pad8(length));
        if (p.kind === 'binary' && k === 1) out.fill(0, start, start + 4);
      }
    });
  }
  // Second pass: each column scattered once, its rows read in order, each written to the next
  // slot of its bucket's region (a sequential read and one write stream per bucket: no row
  // permutation is built, and the source is read once rather than once per bucket).
  const counts = new Float64Array(numBuckets);
  // Fixed-width columns of 1, 2, 4 or 8 bytes a row go through wasm together (shuffle-wasm.ts),
  // and bitmaps and strings too when `out` is in the kernels' memory, when there are rows enough
  // to pay for the chunked copies (each kernel declines what it cannot do, e.g. too many buckets).
  const viaWasm: Array<FixedColumn & { plan: ColumnPlan }> = [];
  const wasmRows = ids.length >= WASM_MIN_ROWS;
  plans.forEach((p, c) => {
    const [validityAt, dataAt, valuesAt] = regionAt[c]!;
    const bits = (src: Uint8Array, at: Float64Array, nulls: Int32Array | undefined): void => {
      if (!(wasmRows && scatterBitsWasm(src, p.data.offset, out, at, nulls, ids, numBuckets))) scatterBits(src, p.data.offset, out, at, nulls, ids, counts);
    };
    if (p.hasNulls) bits(p.data.nullBitmap!, validityAt!, p.nulls!);
    if (p.kind === 'fixed') {
      const bytes = wasmRows ? rowBytes(p.data, p.width, ids.length) : undefined;
      if (bytes) viaWasm.push({ bytes, width: p.width as FixedColumn['width'], at: dataAt!, plan: p });
      else scatterFixed(p.data, p.width, out, dataAt!, ids);
    } else if (p.kind === 'bool') bits(p.data.values as Uint8Array, dataAt!, undefined);
    else if (!(wasmRows && p.data.valueOffsets instanceof Int32Array
      && scatterBinaryWasm(p.data.values as Uint8Array, p.data.valueOffsets, out, dataAt!, valuesAt!, ids, numBuckets))) {
      scatterBinary(p.data, out, dataAt!, valuesAt!, ids, counts);
    }
  });
  if (viaWasm.length > 0 && !scatterFixedWasm(viaWasm, out, ids, numBuckets)) {
    for (const c of viaWasm) scatterFixed(c.plan.data, c.plan.width, out, c.at, ids);
  }
  return { bytes: out, offsets };
}

/**
 * Bit `i` of each row (validity or Bool values) into bit `counts[b]++` of its bucket's region.
 * `nulls` (validity only) skips buckets without nulls: their validity region is empty.
 */
function scatterBits(src: Uint8Array, srcOffset: number, out: Uint8Array, at: Float64Array, nulls: Int32Array | undefined, ids: Int32Array, counts: Float64Array): void {
  counts.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const b = ids[i]!;
    const k = counts[b]!;
    counts[b] = k + 1;
    if (nulls !== undefined && nulls[b] === 0) continue;
    const bit = srcOffset + i;
    if (src[bit >> 3]! & (1 << (bit & 7))) out[at[b]! + (k >> 3)] |= 1 << (k & 7);
  }
}

/** Fewest rows for which columns are scattered in wasm. */
const WASM_MIN_ROWS = 4096;

/** The `n` rows of a fixed-width column as bytes (row i at i * width), when its width suits the wasm scatter. */
function rowBytes(data: Data, width: number, n: number): Uint8Array | undefined {
  if (width !== 1 && width !== 2 && width !== 4 && width !== 8) return undefined;
  const values = data.values as unknown as ArrayBufferView | undefined;
  if (!values || values.byteLength < n * width) return undefined;
  return new Uint8Array(values.buffer, values.byteOffset, n * width);
}

/**
 * Fixed-width scatter into the buckets' regions (`at`: byte positions, multiples of 8 within an
 * 8-aligned buffer). Float64 columns copy as doubles, other widths as 32-bit words (so 64-bit
 * integers are never boxed into bigints nor read as doubles, which could alter NaN bit patterns).
 */
function scatterFixed(data: Data, width: number, out: Uint8Array, at: Float64Array, ids: Int32Array): void {
  const n = ids.length;
  if (n === 0) return;
  const src = data.values as unknown as ArrayBufferView;
  const pos = new Float64Array(at.length);
  const unit = src instanceof Float64Array && src.byteOffset % 8 === 0 ? 8
    : width % 4 === 0 && src.byteOffset % 4 === 0 ? 4
      : width === 2 && src.byteOffset % 2 === 0 ? 2 : 1;
  for (let b = 0; b < at.length; b++) pos[b] = at[b]! / unit;
  if (unit === 8) {
    scatterF64(src as Float64Array, new Float64Array(out.buffer, out.byteOffset, out.byteLength >> 3), ids, pos, n);
  } else if (unit === 4) {
    const words = width / 4;
    const s = new Int32Array(src.buffer, src.byteOffset, (src.byteLength / 4) | 0);
    const o = new Int32Array(out.buffer, out.byteOffset, out.byteLength >> 2);
    if (words === 1) scatterI32(s, o, ids, pos, n);
    else if (words === 2) scatterI32Pairs(s, o, ids, pos, n);
    else scatterWords(s, o, words, ids, pos, n);
  } else if (unit === 2) {
    scatterU16(new Uint16Array(src.buffer, src.byteOffset, (src.byteLength / 2) | 0), new Uint16Array(out.buffer, out.byteOffset, out.byteLength >> 1), ids, pos, n);
  } else {
    scatterWords8(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), out, width, ids, pos, n);
  }
}

// One loop per element type: a loop shared by several typed-array kinds turns megamorphic.
function scatterF64(s: Float64Array, o: Float64Array, ids: Int32Array, pos: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const b = ids[i]!;
    const p = pos[b]!;
    o[p] = s[i]!;
    pos[b] = p + 1;
  }
}
function scatterI32(s: Int32Array, o: Int32Array, ids: Int32Array, pos: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const b = ids[i]!;
    const p = pos[b]!;
    o[p] = s[i]!;
    pos[b] = p + 1;
  }
}
function scatterI32Pairs(s: Int32Array, o: Int32Array, ids: Int32Array, pos: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const b = ids[i]!;
    const p = pos[b]!;
    o[p] = s[2 * i]!;
    o[p + 1] = s[2 * i + 1]!;
    pos[b] = p + 2;
  }
}
function scatterWords(s: Int32Array, o: Int32Array, words: number, ids: Int32Array, pos: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const b = ids[i]!;
    const p = pos[b]!;
    for (let w = 0; w < words; w++) o[p + w] = s[i * words + w]!;
    pos[b] = p + words;
  }
}
function scatterU16(s: Uint16Array, o: Uint16Array, ids: Int32Array, pos: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const b = ids[i]!;
    const p = pos[b]!;
    o[p] = s[i]!;
    pos[b] = p + 1;
  }
}
function scatterWords8(s: Uint8Array, o: Uint8Array, width: number, ids: Int32Array, pos: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const b = ids[i]!;
    const p = pos[b]!;
    for (let w = 0; w < width; w++) o[p + w] = s[i * width + w]!;
    pos[b] = p + width;
  }
}

/** Each row's bytes to the end of its bucket's values, and its end offset to the bucket's offsets. */
function scatterBinary(data: Data, out: Uint8Array, offsetsAt: Float64Array, valuesAt: Float64Array, ids: Int32Array, counts: Float64Array): void {
  const srcOffsets = data.valueOffsets as Int32Array;
  const src = data.values as Uint8Array;
  const o = new Int32Array(out.buffer, out.byteOffset, out.byteLength >> 2);
  const filled = new Float64Array(offsetsAt.length); // value bytes written per bucket
  counts.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const b = ids[i]!;
    const start = srcOffsets[i]!;
    const end = srcOffsets[i + 1]!;
    const dst = valuesAt[b]! + filled[b]!;
    if (end - start > 32) out.set(src.subarray(start, end), dst);
    else for (let k = start, d = dst; k < end; k++, d++) out[d] = src[k]!;
    const at = filled[b]! + end - start;
    filled[b] = at;
    const k = counts[b]! + 1;
    counts[b] = k;
    o[offsetsAt[b]! / 4 + k] = at;
  }
}

/** Any schema: one takeRows per non-empty bucket, encoded by encodeIpc, laid out as above. */
function encodeGeneric(table: Table, starts: Int32Array, perm: Int32Array, allocate: Allocate): EncodedBuckets {
  const numBuckets = starts.length - 1;
  const pieces: Array<Uint8Array | undefined> = new Array(numBuckets);
  let schemaMessage: Uint8Array | undefined;
  for (let b = 0; b < numBuckets; b++) {
    if (starts[b + 1] === starts[b]) continue;
    const stream = encodeIpc(takeRows(table, perm.subarray(starts[b], starts[b + 1])));
    const schemaEnd = firstMessageEnd(stream);
    schemaMessage ??= stream.subarray(0, schemaEnd);
    pieces[b] = stream.subarray(schemaEnd, stream.byteLength - END_OF_STREAM.byteLength);
  }
  if (!schemaMessage) {
    const empty = encodeIpc(table.slice(0, 0));
    schemaMessage = empty.subarray(0, firstMessageEnd(empty));
  }
  const offsets = new Array<number>(numBuckets + 1);
  offsets[0] = schemaMessage.byteLength;
  for (let b = 0; b < numBuckets; b++) offsets[b + 1] = offsets[b]! + (pieces[b]?.byteLength ?? 0);
  const out = allocate(offsets[numBuckets]!);
  out.set(schemaMessage, 0);
  for (let b = 0; b < numBuckets; b++) if (pieces[b]) out.set(pieces[b]!, offsets[b]!);
  return { bytes: out, offsets };
}
