// The source of explicit ALS's wasm kernel: WebAssembly text for one row's normal equations at
// row width m, generated per width because every entry of a and b lives in its own named f64x2
// local (a register pair). explicit-wasm.ts compiles it (wat.ts) and runs it.
//
// explicitRow(yf, off, pos, r, start, end, mean, out): for ratings j ∈ [start, end) of the row,
//   p = pos[j], y = yf[p] (m Float32 promoted exactly, padded to mp = m rounded up to even),
//   t = (r[j] − mean) − off[p];  b += t·y;  a_iq += y_i·y_q for q ≤ i
// then stores the accumulators at `out`, a's then b's, 16 bytes each. Every entry is its own sum
// over j in increasing order from +0 with the same products as explicit-kernel.ts, so the two give
// identical bits; the lanes only do two independent entries per instruction.
//
// Accumulators (m = 3: y0 = (y_0, y_1), y1 = (y_2, 0)):
//   row 0: $a0_0 += y_0·y0                → a00 (lane 1 = y_0·y_1, an upper entry, ignored)
//   row 1: $a1_0 += y_1·y0                → a10 a11
//   row 2: $a2_0 += y_2·y0, $a2_1 += y_2·y1 → a20 a21 | a22 (lane 1 = y_2·0, ignored)
//   $b0 += t·y0, $b1 += t·y1              → b0 b1 | b2

/** Accumulator count of the lower triangle in pairs: Σ_i ⌈(i+1)/2⌉. */
export function pairCount(m: number): number {
  let n = 0;
  for (let i = 0; i < m; i++) n += (i >> 1) + 1;
  return n;
}

const offset = (bytes: number): string => (bytes === 0 ? '' : ` offset=${bytes}`);
/** `name += s·y` for f64x2 locals. */
const addProduct = (acc: string, s: string, y: string): string =>
  `(local.set ${acc} (f64x2.add (local.get ${acc}) (f64x2.mul (local.get ${s}) (local.get ${y}))))`;

/** The module text for width m (1 ≤ m): memory plus explicitRow. */
export function explicitRowWat(m: number): string {
  const mp = m + (m & 1);
  const pairs = mp / 2;
  const y = Array.from({ length: pairs }, (_, t) => `$y${t}`);
  const b = Array.from({ length: pairs }, (_, t) => `$b${t}`);
  const aRows = Array.from({ length: m }, (_, i) => Array.from({ length: (i >> 1) + 1 }, (_, t) => `$a${i}_${t}`));
  const a = aRows.flat();
  const locals = (names: string[]): string => names.map((n) => `(local ${n} v128)`).join(' ');
  const lines = [
    `;; explicitRow for row width m = ${m}, from explicit-wat.ts: a's entries (i, 2t) and (i, 2t + 1) in $ai_t,`,
    `;; b's (2t, 2t + 1) in $bt, the row's features (2t, 2t + 1) in $yt.`,
    '(module',
    '  (memory (export "memory") 1)',
    '  (func (export "explicitRow")',
    '    (param $yf i32) (param $off i32) (param $pos i32) (param $r i32) (param $start i32) (param $end i32)',
    '    (param $mean f64) (param $out i32)',
    '    (local $j i32) (local $o i32) (local $p i32) (local $s v128)',
    `    ${locals(y)}`,
    `    ${locals(a)}`,
    `    ${locals(b)}`,
    '    (local.set $j (local.get $start))',
    '    (block $done',
    '      (loop $rating',
    '        (br_if $done (i32.ge_s (local.get $j) (local.get $end)))',
    `        ;; o = yf + pos[j]·${mp * 4}: the rated row's ${mp} Float32 features`,
    '        (local.set $p (i32.load (i32.add (local.get $pos) (i32.shl (local.get $j) (i32.const 2)))))',
    `        (local.set $o (i32.add (local.get $yf) (i32.mul (local.get $p) (i32.const ${mp * 4}))))`,
    ...y.map((yt, t) => `        (local.set ${yt} (f64x2.promote_low_f32x4 (v128.load64_zero${offset(8 * t)} (local.get $o))))`),
    '        ;; s = splat((r[j] − mean) − off[p])',
    '        (local.set $s (f64x2.splat (f64.sub',
    '          (f64.sub (f64.promote_f32 (f32.load (i32.add (local.get $r) (i32.shl (local.get $j) (i32.const 2))))) (local.get $mean))',
    '          (f64.promote_f32 (f32.load (i32.add (local.get $off) (i32.shl (local.get $p) (i32.const 2))))))))',
    ...b.map((bt, t) => `        ${addProduct(bt, '$s', y[t])}`),
    ...aRows.flatMap((row, i) => [
      `        ;; row ${i}: s = splat(y_${i})`,
      `        (local.set $s (f64x2.splat (f64x2.extract_lane ${i & 1} (local.get ${y[i >> 1]}))))`,
      ...row.map((ait, t) => `        ${addProduct(ait, '$s', y[t])}`),
    ]),
    '        (local.set $j (i32.add (local.get $j) (i32.const 1)))',
    '        (br $rating)))',
    '    ;; out = the a accumulators, then the b accumulators',
    ...[...a, ...b].map((acc, q) => `    (v128.store${offset(16 * q)} (local.get $out) (local.get ${acc}))`),
    '  ))',
  ];
  return lines.join('\n') + '\n';
}
