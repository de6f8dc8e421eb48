// The fast path: parses CSV records straight from bytes into typed-array columns, one pass, no
// string or object per row. Each field is parsed according to its column's type as it is scanned:
//
//   bytes  1 , 3 1 , 4 . 0 , 9 6 4 9 8 2 7 0 3 \n
//          │   └─┬─┘  └─┬─┘   └───────┬──────┘
//          int32 int32  float32       int64        → i32[row]=1, i32[row]=31, f32[row]=4, i64 words
//
// Numbers take a fast path (digits accumulated as they are read; a decimal with at most 15 digits is
// mantissa / 10^k, exactly what Number() gives, because both operands are exact doubles and IEEE
// division rounds correctly). Anything else — quotes, exponents, spaces — goes through values.ts.
//
// Contract with the caller (read.ts): the bytes handed to parse() end with a line feed, so scans
// of unquoted fields always stop inside the buffer and need no bounds checks. Only a quoted field
// can run past the end (its newline was quoted); then the record is rolled back and parse() asks
// for more input. A bad record is rolled back too and reported; the caller decides to fail or skip.

import { ColumnBuilder, KIND_FLOAT32, KIND_FLOAT64, KIND_INT32, KIND_INT64, KIND_SKIP, KIND_UTF8 } from './column-builder.ts';
import type { CsvColumnType } from './column-types.ts';
import type { ByteSyntax } from './options.ts';
import { storeText } from './values.ts';

const LF = 10;
const CR = 13;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const ZERO = 48;
const NINE = 57;

/** Exact powers of ten for the decimal fast path (10^0 .. 10^15 are exact doubles). */
const POW10 = Float64Array.from({ length: 16 }, (_, k) => 10 ** k);

/** Codes returned by the quoted-field path in place of a position. */
const NEED_MORE = -1;
const BAD_VALUE = -2;
const UNTERMINATED_QUOTE = -3;
const AFTER_QUOTE = -4;

export type BadRecordProblem = 'too-few-fields' | 'too-many-fields' | 'value' | 'unterminated-quote' | 'after-quote';

/** A rejected record, in offsets of the bytes given to parse(). */
export interface BadRecord {
  problem: BadRecordProblem;
  recordStart: number;
  /** Where the field at fault starts (the record start for a wrong field count). */
  fieldStart: number;
  /** Index of the field at fault. */
  field: number;
  /** The value that did not parse (problem 'value'). */
  text: string;
}

/**
 * - done: every record in the bytes was parsed; `next` is the end of the bytes.
 * - limit: the next record starts at or after `limit` (it belongs to the next partition).
 * - full: `maxRows` rows are buffered; flush a batch and call again from `next`.
 * - more: the record at `next` continues past the end of the bytes (a quoted newline).
 * - bad: the record at `next` is bad (see `parser.bad`); nothing of it was kept.
 */
export interface ParseOutcome { status: 'done' | 'limit' | 'full' | 'more' | 'bad'; next: number }

export class CsvRecordParser {
  /** Rows buffered in the column builders since the last takeColumns(). */
  rows = 0;
  bad: BadRecord | undefined;
  readonly columns: ColumnBuilder[];
  private capacity: number;
  private readonly delimiter: Uint8Array;
  private readonly quote: number;
  private readonly latin1: boolean;

  /** `fields`: the type of every field of a row, in file order ('skip' = parse but do not keep). */
  constructor(fields: ReadonlyArray<CsvColumnType | 'skip'>, syntax: ByteSyntax, initialCapacity = 16_384) {
    this.capacity = initialCapacity;
    this.columns = fields.map((type) => new ColumnBuilder(type, initialCapacity));
    this.delimiter = syntax.delimiter;
    this.quote = syntax.quote;
    this.latin1 = syntax.latin1;
  }

  /**
   * Parses records of `buf` from `from`, while they start before `limit`, until `maxRows` rows
   * are buffered. `final`: no bytes follow `buf` (a quote open at its end is unterminated).
   *
   * @example
   * const parser = new CsvRecordParser(['int32', 'float32'], byteSyntax({ delimiter: ',', quote: '"', encoding: 'utf8' }));
   * parser.parse(Buffer.from('1,4.5\n2,3\n'), 0, Infinity, true, Infinity); // { status: 'done', next: 10 }
   * parser.rows; // 2
   */
  parse(buf: Uint8Array, from: number, limit: number, final: boolean, maxRows: number): ParseOutcome {
    const cols = this.columns;
    const last = cols.length - 1;
    const d = this.delimiter;
    const d0 = d[0]!;
    const dlen = d.length;
    const q = this.quote;
    const end = buf.length;
    let p = from;
    let rows = this.rows;
    while (p < end) {
      let b = buf[p]!;
      if (b === LF) { p++; continue; } // blank line
      if (b === CR && buf[p + 1] === LF) { p += 2; continue; }
      if (p >= limit) { this.rows = rows; return { status: 'limit', next: p }; }
      if (rows >= maxRows) { this.rows = rows; return { status: 'full', next: p }; }
      if (rows === this.capacity) this.grow(rows);
      const recordStart = p;
      let fieldStart = p;
      let problem = 0; // 0 ok; else a code below
      let c = 0;
      for (; c <= last; c++) {
        const col = cols[c]!;
        fieldStart = p;
        b = buf[p]!;
        if (b === q) {
          p = this.quotedField(buf, p, col, rows, final);
          if (p < 0) { problem = p; break; }
          b = buf[p]!;
        } else if (b === LF || (b === CR && buf[p + 1] === LF) || (b === d0 && (dlen === 1 || rest(buf, p, d)))) {
          if (col.kind !== KIND_SKIP) col.setNull(rows); // empty field
        } else {
          const kind = col.kind;
          let fast = false;
          if (kind === KIND_INT32 || kind === KIND_INT64) {
            let neg = false;
            if (b === MINUS) { neg = true; b = buf[++p]!; } else if (b === PLUS) b = buf[++p]!;
            const digitsStart = p;
            let v = 0;
            while (b >= ZERO && b <= NINE) { v = v * 10 + (b - ZERO); b = buf[++p]!; }
            const digits = p - digitsStart;
            if (digits > 0 && isEnd(buf, p, b, d0, d)) {
              if (neg) v = -v;
              if (kind === KIND_INT32) {
                if (digits <= 10 && v <= 2147483647 && v >= -2147483648) { col.i32[rows] = v; fast = true; }
              } else if (digits <= 15) { col.setInt64(rows, v); fast = true; }
            }
          } else if (kind === KIND_FLOAT32 || kind === KIND_FLOAT64) {
            let neg = false;
            if (b === MINUS) { neg = true; b = buf[++p]!; } else if (b === PLUS) b = buf[++p]!;
            let m = 0;
            let digits = 0;
            let frac = 0;
            while (b >= ZERO && b <= NINE) { m = m * 10 + (b - ZERO); digits++; b = buf[++p]!; }
            if (b === DOT) {
              b = buf[++p]!;
              while (b >= ZERO && b <= NINE) { m = m * 10 + (b - ZERO); digits++; frac++; b = buf[++p]!; }
            }
            if (digits > 0 && digits <= 15 && isEnd(buf, p, b, d0, d)) {
              let v = frac === 0 ? m : m / POW10[frac]!;
              if (neg) v = -v;
              if (kind === KIND_FLOAT32) col.f32[rows] = v; else col.f64[rows] = v;
              fast = true;
            }
          } else if (kind === KIND_UTF8) {
            const s = p;
            while (!isEnd(buf, p, b, d0, d)) b = buf[++p]!;
            this.appendBytes(col, rows, buf, s, p);
            fast = true;
          } else if (kind === KIND_SKIP) {
            while (!isEnd(buf, p, b, d0, d)) b = buf[++p]!;
            fast = true;
          }
          if (!fast) {
            // Slow path: the whole unquoted field as text (bool, exponents, spaces, long numbers, junk).
            p = fieldStart;
            b = buf[p]!;
            while (!isEnd(buf, p, b, d0, d)) b = buf[++p]!;
            if (!storeText(col, rows, this.decode(buf, fieldStart, p))) { problem = BAD_VALUE; break; }
          }
        }
        // b = buf[p] is the byte after the field: a delimiter, or the end of the line.
        if (c < last) {
          if (b === d0 && (dlen === 1 || rest(buf, p, d))) { p += dlen; continue; }
          problem = TOO_FEW_FIELDS;
          break;
        }
        if (b === LF) p++;
        else if (b === CR && buf[p + 1] === LF) p += 2;
        else { problem = TOO_MANY_FIELDS; fieldStart = recordStart; }
      }
      if (problem !== 0) {
        for (const col of cols) col.rollback(rows);
        this.rows = rows;
        if (problem === NEED_MORE) return { status: 'more', next: recordStart };
        this.bad = {
          problem: PROBLEMS[-problem]!,
          recordStart,
          fieldStart: problem === TOO_FEW_FIELDS || problem === TOO_MANY_FIELDS ? recordStart : fieldStart,
          field: c,
          text: problem === BAD_VALUE ? this.fieldText(buf, fieldStart) : '',
        };
        return { status: 'bad', next: recordStart };
      }
      rows++;
    }
    this.rows = rows;
    return { status: 'done', next: p };
  }

  /** Hands over the buffered rows' columns (as builders, for finish(rows)) and starts empty ones. */
  takeColumns(): { rows: number; columns: ColumnBuilder[] } {
    const taken = { rows: this.rows, columns: this.columns.map((c) => c) };
    for (let i = 0; i < this.columns.length; i++) this.columns[i] = new ColumnBuilder(this.columns[i]!.type, this.capacity);
    this.rows = 0;
    return taken;
  }

  private grow(rows: number): void {
    this.capacity *= 2;
    for (const col of this.columns) col.grow(this.capacity, rows);
  }

  /** Copies unquoted field bytes into a utf8 column (transcoding latin1). */
  private appendBytes(col: ColumnBuilder, row: number, buf: Uint8Array, s: number, e: number): void {
    const n = e - s;
    if (this.latin1) {
      col.reserveBytes(2 * n);
      const out = col.bytes;
      let o = col.byteLength;
      for (let i = s; i < e; i++) {
        const b = buf[i]!;
        if (b < 0x80) out[o++] = b;
        else { out[o++] = 0xc0 | (b >> 6); out[o++] = 0x80 | (b & 0x3f); }
      }
      col.byteLength = o;
    } else {
      col.reserveBytes(n);
      const out = col.bytes;
      let o = col.byteLength;
      if (n < 32) for (let i = s; i < e; i++) out[o++] = buf[i]!;
      else { out.set(buf.subarray(s, e), o); o += n; }
      col.byteLength = o;
    }
    col.offsets[row + 1] = col.byteLength;
  }

  /**
   * A quoted field at `p`: stores its unescaped content and returns the position after the closing
   * quote, or a negative code (NEED_MORE, BAD_VALUE, UNTERMINATED_QUOTE, AFTER_QUOTE).
   */
  private quotedField(buf: Uint8Array, p: number, col: ColumnBuilder, row: number, final: boolean): number {
    const q = this.quote;
    const end = buf.length;
    const s = p + 1;
    let i = s;
    let escapes = false;
    for (;;) {
      if (i >= end) return final ? UNTERMINATED_QUOTE : NEED_MORE;
      if (buf[i] === q) {
        if (i + 1 < end && buf[i + 1] === q) { escapes = true; i += 2; continue; }
        break;
      }
      i++;
    }
    const after = i + 1;
    if (after >= end) return final ? AFTER_QUOTE : NEED_MORE; // cannot happen: bytes end with a line feed
    const d = this.delimiter;
    if (!isEnd(buf, after, buf[after]!, d[0]!, d)) return AFTER_QUOTE;
    if (col.kind === KIND_SKIP) return after;
    if (col.kind === KIND_UTF8 && !escapes) { this.appendBytes(col, row, buf, s, i); return after; }
    let text = this.decode(buf, s, i);
    if (escapes) text = text.split(String.fromCharCode(q) + String.fromCharCode(q)).join(String.fromCharCode(q));
    return storeText(col, row, text) ? after : BAD_VALUE;
  }

  private decode(buf: Uint8Array, s: number, e: number): string {
    return Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString(this.latin1 ? 'latin1' : 'utf8');
  }

  /** The raw text of the field at `s` (for error messages), quotes included, at most 200 characters. */
  private fieldText(buf: Uint8Array, s: number): string {
    const d = this.delimiter;
    let p = s;
    if (buf[p] === this.quote) {
      p++;
      while (p < buf.length && buf[p] !== this.quote) p++;
      p = Math.min(buf.length, p + 1);
    } else {
      while (p < buf.length && !isEnd(buf, p, buf[p]!, d[0]!, d)) p++;
    }
    const text = this.decode(buf, s, Math.min(p, s + 200));
    return p - s > 200 ? `${text}…` : text;
  }
}

const TOO_FEW_FIELDS = -5;
const TOO_MANY_FIELDS = -6;
const PROBLEMS: Array<BadRecordProblem | undefined> = [
  undefined, undefined, 'value', 'unterminated-quote', 'after-quote', 'too-few-fields', 'too-many-fields',
];

/** Whether byte `b` at `p` ends a field: a line feed, CR LF, or the delimiter. */
function isEnd(buf: Uint8Array, p: number, b: number, d0: number, d: Uint8Array): boolean {
  return b === LF || (b === CR && buf[p + 1] === LF) || (b === d0 && (d.length === 1 || rest(buf, p, d)));
}

/** Whether the delimiter's 2nd.. bytes follow position `p`. */
function rest(buf: Uint8Array, p: number, d: Uint8Array): boolean {
  for (let i = 1; i < d.length; i++) if (buf[p + i] !== d[i]) return false;
  return true;
}
