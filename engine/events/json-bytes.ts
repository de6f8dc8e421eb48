// JSON numbers and strings written straight into a byte buffer, each call returning the position
// after what it wrote: the event log's task lines are built from them without building a string
// (event-line.ts). Each writes exactly what JSON.stringify would.

/** Ends a line: a newline at `end`; the position after it. */
export function newline(b: Buffer, end: number): number {
  b[end] = 0x0a;
  return end + 1;
}

/** Copies constant bytes. */
export function raw(b: Buffer, at: number, piece: Uint8Array): number {
  b.set(piece, at);
  return at + piece.length;
}

/** A number as JSON writes it: integers digit by digit, others by String(), NaN and ±Infinity as null. */
export function num(b: Buffer, at: number, x: number): number {
  // -0 takes this path too: its digits are "0", as JSON writes it
  if (x >= 0 && x < 1e9 && (x | 0) === x) return smallInt(b, at, x);
  if (Number.isSafeInteger(x)) {
    if (x < 0) {
      b[at++] = 0x2d;
      x = -x;
    }
    if (x < 1e9) return smallInt(b, at, x);
    // two halves of at most 9 digits each, so that the digits come from int32 arithmetic
    const high = Math.floor(x / 1e9);
    at = smallInt(b, at, high);
    return nineDigits(b, at, x - high * 1e9);
  }
  return at + b.write(Number.isFinite(x) ? String(x) : 'null', at, 'latin1');
}

/** "00".."99" as byte pairs: digits are written two at a time. */
const DIGIT_PAIRS = new Uint8Array(200).map((_, i) => 0x30 + (i & 1 ? (i >> 1) % 10 : ((i >> 1) / 10) | 0));

/** 0 <= x < 1e9, an integer. */
export function smallInt(b: Buffer, at: number, x: number): number {
  const digits = x < 10 ? 1 : x < 100 ? 2 : x < 1000 ? 3 : x < 10_000 ? 4 : x < 100_000 ? 5 : x < 1_000_000 ? 6 : x < 10_000_000 ? 7 : x < 100_000_000 ? 8 : 9;
  let i = at + digits - 1;
  for (; x >= 10; i -= 2) {
    const next = (x / 100) | 0;
    const pair = (x - next * 100) << 1;
    b[i] = DIGIT_PAIRS[pair + 1]!;
    b[i - 1] = DIGIT_PAIRS[pair]!;
    x = next;
  }
  if (i >= at) b[i] = 0x30 + x;
  return at + digits;
}

/** 0 <= x < 1e9, an integer, as exactly nine digits (zeros in front). */
function nineDigits(b: Buffer, at: number, x: number): number {
  for (let i = at + 7; i > at; i -= 2) {
    const next = (x / 100) | 0;
    const pair = (x - next * 100) << 1;
    b[i + 1] = DIGIT_PAIRS[pair + 1]!;
    b[i] = DIGIT_PAIRS[pair]!;
    x = next;
  }
  b[at] = 0x30 + x;
  return at + 9;
}

/** JSON of the short strings tasks repeat (executor ids, hosts), encoded once. */
const encodedStrings = new Map<string, Uint8Array>();

export function str(b: Buffer, at: number, text: string): number {
  let encoded = encodedStrings.get(text);
  if (encoded === undefined) {
    if (text.length > 64 || encodedStrings.size >= 1024) return at + b.write(JSON.stringify(text), at);
    encoded = new Uint8Array(Buffer.from(JSON.stringify(text), 'utf8'));
    encodedStrings.set(text, encoded);
  }
  return raw(b, at, encoded);
}
