// Concatenating the chunks of one column into a single contiguous `Data`: buffer copies for
// fixed-width, Bool, Utf8 and Binary columns, Arrow's builders for the rest.

import { Data, DataType, Type, makeBuilder, makeData, makeVector } from 'apache-arrow';
import { isFixedWidth, isValidAt, isVarBinary } from './data-layout.ts';
import { dataFromValues } from './plain-values.ts';

/**
 * Concatenate chunks of one column into a single Data. Fast paths copy buffers for fixed-width,
 * Bool, Utf8 and Binary; other types (List, Struct, Dictionary, ...) go through the builders.
 */
export function combineChunks(chunks: readonly Data[], type: DataType): Data {
  const parts = chunks.filter((c) => c.length > 0);
  if (parts.length === 0) return chunks.length > 0 ? chunks[0] : emptyData(type);
  if (parts.length === 1) return parts[0];
  let length = 0;
  let nullCount = 0;
  for (const p of parts) {
    length += p.length;
    nullCount += p.nullCount;
  }
  const nullBitmap = nullCount === 0 ? undefined : concatBitmaps(parts, length);

  if (isFixedWidth(type)) {
    const stride = parts[0].stride;
    const Ctor = (parts[0].values as ArrayLike<unknown>).constructor as new (n: number) => { set(a: ArrayLike<unknown>, o: number): void };
    const values = new Ctor(length * stride);
    let pos = 0;
    for (const p of parts) {
      const src = p.values as unknown as { subarray(a: number, b: number): ArrayLike<unknown> };
      values.set(src.subarray(0, p.length * stride), pos);
      pos += p.length * stride;
    }
    return makeData({ type, length, nullCount, nullBitmap, data: values } as never);
  }
  if (type.typeId === Type.Bool) {
    const values = new Uint8Array((length + 7) >> 3);
    let pos = 0;
    for (const p of parts) {
      const src = p.values as Uint8Array;
      for (let i = 0; i < p.length; i++, pos++) {
        const bit = p.offset + i;
        if (src[bit >> 3] & (1 << (bit & 7))) values[pos >> 3] |= 1 << (pos & 7);
      }
    }
    return makeData({ type, length, nullCount, nullBitmap, data: values } as never);
  }
  if (isVarBinary(type)) {
    let bytes = 0;
    for (const p of parts) bytes += p.valueOffsets[p.length] - p.valueOffsets[0];
    const values = new Uint8Array(bytes);
    const valueOffsets = new Int32Array(length + 1);
    let row = 0;
    let at = 0;
    for (const p of parts) {
      const offs = p.valueOffsets as Int32Array;
      const base = offs[0];
      values.set((p.values as Uint8Array).subarray(base, offs[p.length]), at);
      for (let i = 0; i < p.length; i++) valueOffsets[++row] = at + offs[i + 1] - base;
      at += offs[p.length] - base;
    }
    return makeData({ type, length, nullCount, nullBitmap, data: values, valueOffsets } as never);
  }
  // Generic path: read every value and rebuild.
  const all: unknown[] = [];
  for (const p of parts) {
    const v = makeVector(p);
    for (let i = 0; i < p.length; i++) all.push(v.get(i));
  }
  return dataFromValues(type, all);
}

function concatBitmaps(parts: readonly Data[], length: number): Uint8Array {
  const out = new Uint8Array((length + 7) >> 3);
  let pos = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++, pos++) if (isValidAt(p, i)) out[pos >> 3] |= 1 << (pos & 7);
  }
  return out;
}

/** An empty (0-row) Data of any type, children included. */
function emptyData(type: DataType): Data {
  return makeBuilder({ type }).finish().flush();
}
