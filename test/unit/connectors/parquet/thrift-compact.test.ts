import { describe, expect, it } from 'vitest';
import { CompactReader, CType, ThriftDecodeError } from '../../../../connectors/parquet/thrift-compact.ts';

/** A tiny compact-protocol writer, enough to build test messages by hand. */
class Writer {
  bytes: number[] = [];
  varint(v: number): this {
    while (v >= 128) {
      this.bytes.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    this.bytes.push(v);
    return this;
  }
  int(v: number): this {
    return this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  field(delta: number, type: number): this {
    this.bytes.push((delta << 4) | type);
    return this;
  }
  longField(id: number, type: number): this {
    this.bytes.push(type);
    return this.int(id);
  }
  stop(): this {
    this.bytes.push(0);
    return this;
  }
  raw(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

describe('CompactReader', () => {
  it('reads zigzag integers, including large i64 and negatives', () => {
    const r = new CompactReader(new Writer().int(0).int(-1).int(1).int(-123456).int(2 ** 40 + 5).int(Number.MAX_SAFE_INTEGER - 1).done());
    expect([r.int(), r.int(), r.int(), r.int(), r.int(), r.int()]).toEqual([0, -1, 1, -123456, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER - 1]);
  });

  it('skips every kind of field it does not ask for and finds the ones it does', () => {
    const w = new Writer()
      .field(1, CType.True) // bool field 1 (value in the header)
      .field(1, CType.Double).raw(0, 0, 0, 0, 0, 0, 0xf0, 0x3f) // field 2: 1.0
      .field(1, CType.Binary).varint(3).raw(97, 98, 99) // field 3: "abc"
      .field(1, CType.List).raw((2 << 4) | CType.I32).int(5).int(-6) // field 4: list<i32> [5, -6]
      .field(1, CType.List).raw((15 << 4) | CType.True).varint(16).raw(...new Array<number>(16).fill(1)) // field 5: 16 bools
      .field(1, CType.Map).varint(1).raw((CType.Binary << 4) | CType.I64).varint(1).raw(120).int(9) // field 6: {"x": 9}
      .field(1, CType.Struct).field(1, CType.Byte).raw(7).field(2, CType.I16).int(-3).stop() // field 7: nested struct
      .longField(300, CType.I64).int(2 ** 35) // field 300 in long form
      .field(1, CType.Uuid).raw(...new Array<number>(16).fill(9)) // field 301: uuid
      .field(1, CType.I32).int(-42) // field 302
      .stop();
    const r = new CompactReader(w.done());
    const seen: number[] = [];
    let big = 0;
    let last = 0;
    r.struct((id, type) => {
      seen.push(id);
      if (id === 300 && type === CType.I64) {
        big = r.int();
        return true;
      }
      if (id === 302) {
        last = r.int();
        return true;
      }
      return false;
    });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 300, 301, 302]);
    expect(big).toBe(2 ** 35);
    expect(last).toBe(-42);
  });

  it('fails with ThriftDecodeError on truncated input', () => {
    const r = new CompactReader(new Writer().field(1, CType.Binary).varint(10).raw(1, 2).done());
    expect(() => r.struct(() => false)).toThrow(ThriftDecodeError);
  });
});
