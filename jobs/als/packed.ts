// Several typed arrays packed into one byte blob, so that a whole ALS block (its in-block arrays,
// or a factor matrix) travels as ONE value of an Arrow Binary column: the shuffle moves it with
// a single memcpy per row (Binary's take path), where List<Float32> goes through Arrow builders
// value by value (measured in bench/als.ts notes and the report).
//
// Layout, all little-endian, every array starting on an 8-byte boundary:
//   [u32 count][u32 pad] then per array: [u32 typeCode][u32 length] ... then the arrays' bytes
//   e.g. pack([Int32Array.of(1, 2), Float32Array.of(0.5)]) → 8 + 16 header bytes, then 8 + 8 bytes

import { Field, RecordBatch, Schema, Struct, Table, makeData } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { combineChunks } from '../../engine/extend.ts';
import { InternalError } from '../../engine/index.ts';

export type PackedArray = Int32Array | Float32Array | Float64Array | Uint8Array;

const CODES = { i32: 1, f32: 2, f64: 3, u8: 4 } as const;

function codeOf(a: PackedArray): number {
  if (a instanceof Int32Array) return CODES.i32;
  if (a instanceof Float32Array) return CODES.f32;
  if (a instanceof Float64Array) return CODES.f64;
  return CODES.u8;
}

const align8 = (n: number): number => (n + 7) & ~7;

/**
 * Packs arrays into one Uint8Array (see the layout above).
 *
 * @example
 *   const [ids, f] = unpack(pack([Int32Array.of(7), Float32Array.of(1.5)])) as [Int32Array, Float32Array];
 */
export function pack(arrays: readonly PackedArray[]): Uint8Array {
  let size = 8 + 8 * arrays.length;
  size = align8(size);
  for (const a of arrays) size += align8(a.byteLength);
  const out = new Uint8Array(size);
  const head = new DataView(out.buffer);
  head.setUint32(0, arrays.length, true);
  let at = align8(8 + 8 * arrays.length);
  arrays.forEach((a, i) => {
    head.setUint32(8 + 8 * i, codeOf(a), true);
    head.setUint32(12 + 8 * i, a.length, true);
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += align8(a.byteLength);
  });
  return out;
}

/**
 * The arrays of a blob made by `pack`. Views share the blob's memory when it is 8-byte aligned
 * (Arrow IPC buffers are), else the blob is copied once.
 */
export function unpack(blob: Uint8Array): PackedArray[] {
  if (blob.byteLength === 0) return [];
  const src = blob.byteOffset % 8 === 0 ? blob : blob.slice();
  const head = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const count = head.getUint32(0, true);
  let at = align8(8 + 8 * count);
  const out: PackedArray[] = [];
  for (let i = 0; i < count; i++) {
    const code = head.getUint32(8 + 8 * i, true);
    const length = head.getUint32(12 + 8 * i, true);
    const offset = src.byteOffset + at;
    switch (code) {
      case CODES.i32: out.push(new Int32Array(src.buffer, offset, length)); at += align8(length * 4); break;
      case CODES.f32: out.push(new Float32Array(src.buffer, offset, length)); at += align8(length * 4); break;
      case CODES.f64: out.push(new Float64Array(src.buffer, offset, length)); at += align8(length * 8); break;
      case CODES.u8: out.push(new Uint8Array(src.buffer, offset, length)); at += align8(length); break;
      default: throw new InternalError('ALS_PACKED_BLOB', `packed ALS blob: unknown array type code ${code} at array ${i} (corrupt block?)`);
    }
  }
  return out;
}

/**
 * A Table from named vectors that keeps their buffers even with zero rows. (`new Table({...})`
 * replaces zero-length columns with buffer-less Data, which the engine's take kernel cannot gather.)
 */
export function tableOf(columns: Record<string, Vector>): Table {
  const names = Object.keys(columns);
  const fields = names.map((name) => new Field(name, columns[name].type, true));
  const length = names.length > 0 ? columns[names[0]].length : 0;
  const children = names.map((name) => combineChunks(columns[name].data, columns[name].type));
  const schema = new Schema(fields);
  return new Table(schema, [new RecordBatch(schema, makeData({ type: new Struct(fields), length, nullCount: 0, children }))]);
}
