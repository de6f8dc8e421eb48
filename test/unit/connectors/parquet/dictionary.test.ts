import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { decodeDictionaries, plainSchema } from '../../../../connectors/parquet/dictionary.ts';

const DICT = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32(), 0);
const dictOf = (values: (string | null)[]) => arrow.vectorFromArray(values, DICT);

describe('decodeDictionaries', () => {
  it('turns Dictionary<Int32, Utf8> into plain Utf8 with the same values and nulls', () => {
    const table = new arrow.Table({ s: dictOf(['red', null, 'green', 'red', '']), n: arrow.vectorFromArray([1, 2, 3, 4, 5], new arrow.Int32()) });
    const out = decodeDictionaries(table);
    expect(out.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(['s: Utf8', 'n: Int32']);
    const s = out.getChild('s')!;
    expect([...s]).toEqual(['red', null, 'green', 'red', '']);
    expect(s.nullCount).toBe(1);
    expect(s.data[0]!.valueOffsets).toBeInstanceOf(Int32Array);
    expect([...out.getChild('n')!]).toEqual([1, 2, 3, 4, 5]);
  });

  it('handles sliced chunks and several batches', () => {
    const a = new arrow.Table({ s: dictOf(['x', 'y', null, 'z', 'y', 'x', 'w', 'v', 'u']) }).slice(2, 7); // [null, z, y, x, w]
    const b = new arrow.Table({ s: dictOf(['q', null]) });
    const table = new arrow.Table(a.schema, [...a.batches, ...b.batches]);
    const out = decodeDictionaries(table);
    expect(out.batches.length).toBe(table.batches.length);
    expect([...out.getChild('s')!]).toEqual([null, 'z', 'y', 'x', 'w', 'q', null]);
  });

  it('returns tables without dictionary columns unchanged', () => {
    const table = arrow.tableFromArrays({ a: Int32Array.of(1, 2) });
    expect(decodeDictionaries(table)).toBe(table);
  });

  it('plainSchema replaces dictionary fields by their value type', () => {
    const schema = new arrow.Schema([new arrow.Field('s', new arrow.Dictionary(new arrow.Utf8(), new arrow.Int8()), true), new arrow.Field('x', new arrow.Float64())]);
    expect(plainSchema(schema).fields.map((f) => String(f.type))).toEqual(['Utf8', 'Float64']);
  });
});
