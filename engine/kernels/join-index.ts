// The hash table of a join: built once on one side (the build side), probed with the rows of the
// other side batch after batch. Probing yields (probe row, build row) index pairs in probe row
// order, each probe row's matches in build row order — the order every join kind's output follows.

import type { Table } from 'apache-arrow';
import { hashKeys } from './key-hash.ts';
import { isNullAt, keyValueAt, readKeyColumn } from './key-columns.ts';
import type { KeyColumn } from './key-columns.ts';

/** What a probe row without any match gives: nothing, or a pair with build row -1 (a null row). */
export type ProbeMode =
  /** every match (inner, right) */
  | 'matches'
  /** every match; a probe row without one is kept once with -1 (left, full) */
  | 'outer'
  /** the probe row once, with -1, if it has a match (semi) */
  | 'semi'
  /** the probe row once, with -1, if it has none (anti) */
  | 'anti';

/** Index pairs: row i of the output is probe row `probeRows[i]` beside build row `buildRows[i]` (-1: none). */
export interface RowPairs { probeRows: Int32Array; buildRows: Int32Array }

/**
 * Open addressing over the 32-bit key hash: each slot holds one distinct hash and the chain of
 * build rows with that hash (in build order, via `next`); equal hashes with different keys share a
 * chain and are told apart by value. Rows with a null key are not inserted: null never matches.
 *
 * @example
 * const index = new JoinIndex(movies, ['movieId'], 'right');
 * const { probeRows, buildRows } = index.probe(ratings, ['movieId'], 'outer');
 */
export class JoinIndex {
  private readonly keys: KeyColumn[];
  private readonly mask: number;
  private readonly slotHead: Int32Array;
  private readonly slotHash: Int32Array;
  private readonly next: Int32Array;

  constructor(readonly table: Table, keys: readonly string[], side: string) {
    this.keys = keys.map((k) => readKeyColumn(table, k, `as a join key (${side} side)`));
    const hashes = hashKeys(table, keys);
    const n = hashes.length;
    let capacity = 16;
    while (capacity < n * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.slotHead = new Int32Array(capacity).fill(-1);
    this.slotHash = new Int32Array(capacity);
    const slotTail = new Int32Array(capacity);
    this.next = new Int32Array(n).fill(-1);
    for (let r = 0; r < n; r++) {
      if (hasNullKey(this.keys, r)) continue;
      const h = hashes[r]! | 0;
      const s = this.slotOf(h);
      if (this.slotHead[s] === -1) {
        this.slotHead[s] = r;
        this.slotHash[s] = h;
      } else this.next[slotTail[s]!] = r;
      slotTail[s] = r;
    }
  }

  get numRows(): number {
    return this.next.length;
  }

  /**
   * The pairs of `probe`'s rows with this side's rows of equal keys, as `mode` says. Build rows
   * that match are marked 1 in `matched` (one byte per build row) when it is given.
   */
  probe(probe: Table, keys: readonly string[], mode: ProbeMode, side: string, matched?: Uint8Array): RowPairs {
    const probeKeys = keys.map((k) => readKeyColumn(probe, k, `as a join key (${side} side)`));
    const hashes = hashKeys(probe, keys);
    const equals = probeKeys.map((p, k) => keyEquality(p, this.keys[k]!));
    const out = new PairBuffer(hashes.length);
    for (let l = 0; l < hashes.length; l++) {
      let found = false;
      if (!hasNullKey(probeKeys, l)) {
        for (let r = this.slotHead[this.slotOf(hashes[l]! | 0)]!; r !== -1; r = this.next[r]!) {
          let same = true;
          for (let k = 0; k < equals.length && same; k++) same = equals[k]!(l, r);
          if (!same) continue;
          found = true;
          if (matched) matched[r] = 1;
          if (mode === 'semi' || mode === 'anti') break;
          out.push(l, r);
        }
      }
      if (found ? mode === 'semi' : mode === 'outer' || mode === 'anti') out.push(l, -1);
    }
    return out.finish();
  }

  private slotOf(h: number): number {
    let s = h & this.mask;
    while (this.slotHead[s] !== -1 && this.slotHash[s] !== h) s = (s + 1) & this.mask;
    return s;
  }
}

function hasNullKey(cols: KeyColumn[], i: number): boolean {
  for (let k = 0; k < cols.length; k++) if (isNullAt(cols[k]!, i)) return true;
  return false;
}

/** Value equality of non-null keys across the two sides (numbers by value; NaN equals NaN). */
function keyEquality(l: KeyColumn, r: KeyColumn): (a: number, b: number) => boolean {
  if (l.kind === 'number' && r.kind === 'number') {
    const lv = l.values;
    const rv = r.values;
    return (a, b) => lv[a] === rv[b] || (lv[a] !== lv[a] && rv[b] !== rv[b]); // eslint-disable-line no-self-compare
  }
  return (a, b) => sameValue(keyValueAt(l, a), keyValueAt(r, b));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ta = typeof a;
  const tb = typeof b;
  if ((ta === 'number' || ta === 'bigint') && (tb === 'number' || tb === 'bigint')) {
    if (a !== a && b !== b) return true; // eslint-disable-line no-self-compare
    return (a as number) == (b as number); // eslint-disable-line eqeqeq -- exact number/bigint comparison
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return false;
}

/** Growable pair of Int32 index arrays. */
export class PairBuffer {
  private probe: Int32Array;
  private build: Int32Array;
  private size = 0;
  constructor(initial: number) {
    this.probe = new Int32Array(Math.max(16, initial));
    this.build = new Int32Array(Math.max(16, initial));
  }
  push(p: number, b: number): void {
    if (this.size === this.probe.length) {
      const grownProbe = new Int32Array(this.size * 2);
      grownProbe.set(this.probe);
      this.probe = grownProbe;
      const grownBuild = new Int32Array(this.size * 2);
      grownBuild.set(this.build);
      this.build = grownBuild;
    }
    this.probe[this.size] = p;
    this.build[this.size++] = b;
  }
  finish(): RowPairs {
    return { probeRows: this.probe.slice(0, this.size), buildRows: this.build.slice(0, this.size) };
  }
}
