// A general, simple record tokenizer: bytes → one record's fields as strings. It is the slow path,
// used where rows are few: the header, the type-inference sample, skipping a bad row, describing a
// bad row in an error, and small files read on the driver (MovieLens titles). The fast typed path
// is parser.ts.
//
// Records end at LF or CRLF outside quotes. Inside quotes, delimiters and newlines are content and
// a doubled quote is one quote:   a,"b,""c""
//                                 d",e        → ['a', 'b,"c"\nd', 'e']

import type { ByteSyntax } from './options.ts';

const LF = 10;
const CR = 13;

export interface TokenizedRecord {
  /** The fields, unquoted and decoded; [] for a blank line. */
  fields: string[];
  /** Offset just after the record's line terminator (or the end of the bytes at end of input). */
  next: number;
  /** False when the bytes ran out inside the record and more input exists (`final` was false). */
  complete: boolean;
  /** A quoted field of this record contains a newline. */
  quotedNewline: boolean;
  /** The input ended inside a quoted field. */
  unterminatedQuote: boolean;
}

/**
 * Tokenizes the record starting at `start` in `bytes[0, end)`. `final` says no bytes follow `end`.
 *
 * @example
 * const buf = Buffer.from('id,name\n1,"a, b"\n');
 * const syntax = byteSyntax({ delimiter: ',', quote: '"', encoding: 'utf8' });
 * tokenizeRecord(buf, 8, buf.length, syntax, true).fields; // ['1', 'a, b']
 */
export function tokenizeRecord(bytes: Buffer, start: number, end: number, syntax: ByteSyntax, final: boolean): TokenizedRecord {
  const encoding = syntax.latin1 ? 'latin1' : 'utf8';
  const d = syntax.delimiter;
  const q = syntax.quote;
  const fields: string[] = [];
  let quotedNewline = false;
  let p = start;
  if (p < end && (bytes[p] === LF || (bytes[p] === CR && p + 1 < end && bytes[p + 1] === LF))) {
    return { fields, next: p + (bytes[p] === LF ? 1 : 2), complete: true, quotedNewline, unterminatedQuote: false };
  }
  for (;;) {
    // One field starting at p.
    let text = '';
    if (p < end && bytes[p] === q) {
      let s = ++p;
      for (;;) {
        if (p >= end) {
          if (!final) return { fields, next: end, complete: false, quotedNewline, unterminatedQuote: false };
          fields.push(text + bytes.toString(encoding, s, end));
          return { fields, next: end, complete: true, quotedNewline, unterminatedQuote: true };
        }
        const b = bytes[p]!;
        if (b === q) {
          if (p + 1 < end && bytes[p + 1] === q) { text += bytes.toString(encoding, s, p + 1); p += 2; s = p; continue; }
          if (p + 1 >= end && !final) return { fields, next: end, complete: false, quotedNewline, unterminatedQuote: false };
          text += bytes.toString(encoding, s, p);
          p++;
          break;
        }
        if (b === LF) quotedNewline = true;
        p++;
      }
    }
    // Unquoted content (or anything after a closing quote) up to a delimiter or the line end.
    const s = p;
    while (p < end && bytes[p] !== LF && !(bytes[p] === CR && p + 1 < end && bytes[p + 1] === LF) && !delimiterAt(bytes, p, d)) p++;
    if (p >= end && !final) return { fields, next: end, complete: false, quotedNewline, unterminatedQuote: false };
    if (p > s) text += bytes.toString(encoding, s, p);
    fields.push(text);
    if (p >= end) return { fields, next: end, complete: true, quotedNewline, unterminatedQuote: false };
    if (bytes[p] === LF) return { fields, next: p + 1, complete: true, quotedNewline, unterminatedQuote: false };
    if (bytes[p] === CR) return { fields, next: p + 2, complete: true, quotedNewline, unterminatedQuote: false };
    p += d.length;
  }
}

/** Whether the delimiter's bytes start at `p`. */
export function delimiterAt(bytes: Uint8Array, p: number, d: Uint8Array): boolean {
  if (p + d.length > bytes.length) return false;
  for (let i = 0; i < d.length; i++) if (bytes[p + i] !== d[i]) return false;
  return true;
}

/**
 * Every record of a small, complete input (blank lines skipped), for files read whole on the driver.
 *
 * @example
 * [...tokenizeAll(Buffer.from('1::Toy Story (1995)::Animation\n'), byteSyntax({ delimiter: '::', quote: null, encoding: 'latin1' }))]
 * // → [{ fields: ['1', 'Toy Story (1995)', 'Animation'], offset: 0 }]
 */
export function* tokenizeAll(bytes: Buffer, syntax: ByteSyntax): Generator<{ fields: string[]; offset: number }> {
  let p = skipByteOrderMark(bytes, 0);
  while (p < bytes.length) {
    const record = tokenizeRecord(bytes, p, bytes.length, syntax, true);
    if (record.fields.length > 0) yield { fields: record.fields, offset: p };
    p = record.next;
  }
}

/** Offset past a UTF-8 byte order mark at `p`, if there is one. */
export function skipByteOrderMark(bytes: Uint8Array, p: number): number {
  return bytes[p] === 0xef && bytes[p + 1] === 0xbb && bytes[p + 2] === 0xbf ? p + 3 : p;
}
