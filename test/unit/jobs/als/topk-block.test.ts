// The blockwise top-K (score-kernels.wat + bounded heaps) equals a brute-force ranking computed here
// independently — every score summed in order, every other sorted by (score desc, index asc) — for
// every target: ties, exclusions, k beyond the candidates, partial and single-row blocks, no targets.

import { describe, expect, it } from 'vitest';
import { topKBlockwise, topKKernelKind } from '../../../../jobs/als/topk-block.ts';
import type { TopKInput, TopK } from '../../../../jobs/als/topk-block.ts';
import { mulberry32 } from '../../../../engine/kernels/mulberry32.ts';

interface Case { nOwn: number; nOther: number; width: number; offset: number; ties: boolean; seed: number }

function factors(n: number, width: number, ties: boolean, next: () => number): Float32Array {
  // ties: small integers, so many scores are exactly equal
  return Float32Array.from({ length: n * width }, () => (ties ? Math.floor(next() * 3) - 1 : next() * 2 - 1));
}

function inputOf(c: Case, k: number, exclude: boolean): TopKInput {
  const next = mulberry32(c.seed);
  const own = factors(c.nOwn, c.width, c.ties, next);
  const other = factors(c.nOther, c.width, c.ties, next);
  const targets = Int32Array.from({ length: c.nOwn }, (_, t) => t);
  if (!exclude) return { targets, own, other, nOther: c.nOther, width: c.width, offset: c.offset, k };
  const others: number[] = []; const start: number[] = []; const end: number[] = [];
  for (let t = 0; t < c.nOwn; t++) {
    start.push(others.length);
    for (let o = 0; o < c.nOther; o++) if (next() < (t % 3 === 0 ? 0.9 : 0.3)) others.push(o); // some targets keep fewer than k
    end.push(others.length);
  }
  return { targets, own, other, nOther: c.nOther, width: c.width, offset: c.offset, k, excluded: { others: Int32Array.from(others), start: Int32Array.from(start), end: Int32Array.from(end) } };
}

/** The reference: every (target, other) scored in a plain loop, sorted, cut at k. */
function bruteForce(input: TopKInput): Array<[number, number, number, number]> {
  const rows: Array<[number, number, number, number]> = [];
  input.targets.forEach((t, p) => {
    const skip = new Set(input.excluded ? Array.from(input.excluded.others.subarray(input.excluded.start[p], input.excluded.end[p])) : []);
    const scored: Array<[number, number]> = [];
    for (let o = 0; o < input.nOther; o++) {
      if (skip.has(o)) continue;
      let s = input.offset;
      for (let d = 0; d < input.width; d++) s += input.own[t * input.width + d] * input.other[o * input.width + d];
      scored.push([o, s]);
    }
    scored.sort((x, y) => y[1] - x[1] || x[0] - y[0]);
    scored.slice(0, input.k).forEach(([o, s], r) => rows.push([t, o, s, r + 1]));
  });
  return rows;
}

const rowsOf = (top: TopK): Array<[number, number, number, number]> => Array.from(top.target, (t, j) => [t, top.other[j], top.score[j], top.rank[j]]);

const CASES: Case[] = [
  { nOwn: 37, nOther: 53, width: 5, offset: 0, ties: true, seed: 1 },
  { nOwn: 70, nOther: 41, width: 12, offset: 3.5, ties: false, seed: 2 },
  { nOwn: 9, nOther: 3, width: 1, offset: 0, ties: true, seed: 3 },
  { nOwn: 69, nOther: 151, width: 20, offset: -0.25, ties: false, seed: 4 },
];

describe('blockwise top-K', () => {
  it(`equals a brute-force ranking for every target (kernel: ${topKKernelKind()} and js; ties, exclusions, k past the candidates, odd blocks)`, () => {
    for (const c of CASES) {
      for (const k of [1, 10, c.nOther + 5]) {
        for (const exclude of [false, true]) {
          const input = inputOf(c, k, exclude);
          const want = bruteForce(input);
          for (const prefer of ['wasm', 'js'] as const) {
            for (const blocks of [{}, { targetsPerBlock: 4, othersPerBlock: 4 }, { targetsPerBlock: 5, othersPerBlock: 7 }, { targetsPerBlock: 1000, othersPerBlock: 1000 }]) {
              const got = rowsOf(topKBlockwise(input, { prefer, ...blocks }));
              expect(got, `${JSON.stringify(c)} k ${k} exclude ${exclude} ${prefer} ${JSON.stringify(blocks)}`).toEqual(want);
            }
          }
        }
      }
    }
    // the tie cases really have ties inside the top k
    const tied = bruteForce(inputOf(CASES[0], 10, false));
    expect(tied.some((r, j) => j > 0 && tied[j - 1][0] === r[0] && tied[j - 1][2] === r[2])).toBe(true);
  });

  it('a subset of targets, in any order of duplicates, and empty inputs', () => {
    const input = inputOf(CASES[1], 6, false);
    const subset = { ...input, targets: Int32Array.of(3, 3, 17, 69) };
    expect(rowsOf(topKBlockwise(subset, { targetsPerBlock: 4 }))).toEqual(bruteForce(subset));
    expect(rowsOf(topKBlockwise({ ...input, targets: new Int32Array(0) }))).toEqual([]);
    expect(rowsOf(topKBlockwise({ ...input, nOther: 0, other: new Float32Array(0) }))).toEqual([]);
  });

  it('every other excluded leaves a target with no rows; NaN scores never enter', () => {
    const input = inputOf(CASES[2], 2, false);
    const all = Int32Array.from({ length: 9 * 3 }, (_, j) => j % 3);
    const excluded = { others: all, start: Int32Array.from({ length: 9 }, (_, t) => (t === 4 ? 3 * t : 3 * t + 3)), end: Int32Array.from({ length: 9 }, (_, t) => 3 * t + 3) };
    const top = topKBlockwise({ ...input, excluded });
    expect(Array.from(top.target)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 5, 5, 6, 6, 7, 7, 8, 8]);
    const nan = Float32Array.from(input.other); nan[1] = NaN;
    const got = rowsOf(topKBlockwise({ ...input, other: nan, k: 3 }));
    expect(got.filter((r) => r[1] === 1)).toEqual([]);
    expect(got.filter((r) => r[0] === 0)).toHaveLength(2);
  });
});
