// The slow, generic path between JS values and Arrow: building a column from values through
// Arrow's builders, and turning what `vector.get(i)` returns into plain arrays, objects and Maps.

import { Data, DataType, MapRow, StructRow, Type, Vector, makeBuilder } from 'apache-arrow';

/**
 * Build a Data of `type` from JS values through Arrow's builders: the slow, generic path. Values
 * read with `vector.get(i)` (nested Vectors, StructRows) are accepted: Arrow's List builder does
 * not read a Vector correctly, so nested values are turned into plain arrays/objects first.
 */
export function dataFromValues(type: DataType, values: readonly unknown[]): Data {
  const builder = makeBuilder({ type, nullValues: [null, undefined] });
  for (const v of values) builder.append(toPlainValue(v));
  return builder.finish().flush();
}

/** A value from `vector.get(i)` with nested Vectors → arrays and StructRow/MapRow → object/Map. */
export function toPlainValue(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Vector) {
    const t = v.type.typeId;
    if (v.nullCount === 0 && (t === Type.Int || t === Type.Float)) return v.toArray();
    return Array.from(v, toPlainValue);
  }
  if (v instanceof StructRow) {
    const json = v.toJSON() as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(json)) out[k] = toPlainValue(json[k]);
    return out;
  }
  if (v instanceof MapRow) {
    const out = new Map<unknown, unknown>();
    for (const [k, x] of v as unknown as Iterable<[unknown, unknown]>) out.set(toPlainValue(k), toPlainValue(x));
    return out;
  }
  return v;
}
