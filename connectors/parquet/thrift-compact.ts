// A minimal reader for the Thrift compact protocol, just enough to walk a Parquet footer
// (FileMetaData) and pick out the few fields we need while skipping everything else.
//
// Wire format in one paragraph: a struct is a run of fields ended by a 0 byte. Each field header
// byte holds a field-id delta in its high nibble and a type in its low nibble (delta 0 means the
// id follows as a zigzag varint). Integers are zigzag varints; binary is varint length + bytes;
// a list header holds the size in the high nibble (15 = size follows as varint) and the element
// type in the low nibble. Booleans in a field carry their value in the type (1 true, 2 false).

/** Compact protocol type ids. */
export const CType = {
  Stop: 0,
  True: 1,
  False: 2,
  Byte: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  Double: 7,
  Binary: 8,
  List: 9,
  Set: 10,
  Map: 11,
  Struct: 12,
  Uuid: 13,
} as const;

/** Thrown on malformed input; the footer reader turns it into a "not a Parquet file" error. */
export class ThriftDecodeError extends Error {}

/** A cursor over compact-protocol bytes. Integers are returned as JS numbers (exact below 2^53). */
export class CompactReader {
  private pos = 0;
  private readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  private byte(): number {
    if (this.pos >= this.bytes.length) throw new ThriftDecodeError(`unexpected end of footer metadata at byte ${this.pos}`);
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128 varint, accumulated with multiplication so values up to 2^53 stay exact. */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new ThriftDecodeError(`varint longer than 10 bytes at byte ${this.pos}`);
  }

  /** Zigzag-decoded signed integer (i16, i32 and i64 share this encoding). */
  int(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  binary(): Uint8Array {
    const n = this.varint();
    if (this.pos + n > this.bytes.length) throw new ThriftDecodeError(`binary of ${n} bytes runs past the end of the footer`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Reads a list header: element type and count. */
  listHeader(): { elementType: number; size: number } {
    const h = this.byte();
    const small = h >> 4;
    return { elementType: h & 0x0f, size: small === 15 ? this.varint() : small };
  }

  /** The offset of the next byte to read. */
  get position(): number {
    return this.pos;
  }

  /** The raw bytes [from, to) of the input (a view, not a copy). */
  bytesBetween(from: number, to: number): Uint8Array {
    return this.bytes.subarray(from, to);
  }

  /** Reads the next field header of a struct whose previous field id was `lastId`; undefined at its end. */
  fieldHeader(lastId: number): { id: number; type: number } | undefined {
    const h = this.byte();
    const type = h & 0x0f;
    if (type === CType.Stop) return undefined;
    const delta = h >> 4;
    return { id: delta === 0 ? this.int() : lastId + delta, type };
  }

  /**
   * Walks a struct, calling `onField(id, type)` for each field. The callback either consumes the
   * value (by calling the reader) and returns true, or returns false to have it skipped.
   */
  struct(onField: (id: number, type: number) => boolean): void {
    let lastId = 0;
    for (;;) {
      const h = this.byte();
      const type = h & 0x0f;
      if (type === CType.Stop) return;
      const delta = h >> 4;
      const id = delta === 0 ? this.int() : lastId + delta;
      lastId = id;
      if (!onField(id, type)) this.skip(type);
    }
  }

  /** Skips one value of the given type, recursing into containers. */
  skip(type: number): void {
    switch (type) {
      case CType.True:
      case CType.False:
        return; // a boolean field's value lives in its header
      case CType.Byte:
        this.byte();
        return;
      case CType.I16:
      case CType.I32:
      case CType.I64:
        this.varint();
        return;
      case CType.Double:
        this.advance(8);
        return;
      case CType.Uuid:
        this.advance(16);
        return;
      case CType.Binary:
        this.binary();
        return;
      case CType.List:
      case CType.Set: {
        const { elementType, size } = this.listHeader();
        // Booleans inside a list take one byte each.
        for (let i = 0; i < size; i++) this.skip(elementType === CType.True || elementType === CType.False ? CType.Byte : elementType);
        return;
      }
      case CType.Map: {
        const size = this.varint();
        if (size === 0) return;
        const kv = this.byte();
        for (let i = 0; i < size; i++) {
          this.skip(kv >> 4);
          this.skip(kv & 0x0f);
        }
        return;
      }
      case CType.Struct:
        this.struct(() => false);
        return;
      default:
        throw new ThriftDecodeError(`unknown compact type ${type} at byte ${this.pos}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.bytes.length) throw new ThriftDecodeError(`value of ${n} bytes runs past the end of the footer`);
    this.pos += n;
  }
}

/**
 * Writes the compact protocol: the inverse of CompactReader, enough to re-emit a footer with some
 * fields changed. Struct nesting is tracked so field-id deltas are computed per struct.
 *
 * @example
 * const w = new CompactWriter();
 * w.beginStruct(); w.field(3, CType.I64); w.int(1000); w.endStruct();
 * w.finish(); // Uint8Array [0x36, 0xd0, 0x0f, 0x00]
 */
export class CompactWriter {
  private buf = new Uint8Array(1024);
  private len = 0;
  private readonly lastIds: number[] = [];

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  beginStruct(): void {
    this.lastIds.push(0);
  }

  /** Ends the current struct (writes its Stop byte). */
  endStruct(): void {
    this.lastIds.pop();
    this.byte(CType.Stop);
  }

  /** A field header; for booleans pass CType.True/False as the type (the value lives there). */
  field(id: number, type: number): void {
    const last = this.lastIds[this.lastIds.length - 1] ?? 0;
    const delta = id - last;
    if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
    else {
      this.byte(type);
      this.int(id);
    }
    this.lastIds[this.lastIds.length - 1] = id;
  }

  varint(value: number): void {
    let v = value;
    while (v >= 0x80) {
      this.byte((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    this.byte(v);
  }

  /** Zigzag-encoded signed integer (exact for |value| < 2^52). */
  int(value: number): void {
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  listHeader(elementType: number, size: number): void {
    if (size < 15) this.byte((size << 4) | elementType);
    else {
      this.byte(0xf0 | elementType);
      this.varint(size);
    }
  }

  /** Bytes copied as they are (an already-encoded value). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
