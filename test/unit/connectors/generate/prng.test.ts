import { describe, expect, it } from 'vitest';
import { Xoshiro128 } from '../../../../connectors/generate/prng.ts';
import { AliasTable } from '../../../../connectors/generate/alias.ts';

describe('Xoshiro128', () => {
  it('repeats for a seed and stream, and differs across seeds and streams', () => {
    const draw = (seed: number, stream = 0) => {
      const r = new Xoshiro128(seed, stream);
      return Array.from({ length: 8 }, () => r.uint32());
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    expect(draw(1, 0)).not.toEqual(draw(1, 1));
    expect(draw(2 ** 40 + 1)).not.toEqual(draw(1)); // high bits of the seed count
  });

  it('gives uniform floats in [0, 1) and standard normals', () => {
    const r = new Xoshiro128(7);
    const n = 50_000;
    let sum = 0;
    let min = 1;
    let max = 0;
    let nsum = 0;
    let nsq = 0;
    for (let i = 0; i < n; i++) {
      const u = r.float();
      sum += u;
      min = Math.min(min, u);
      max = Math.max(max, u);
      const z = r.normal();
      nsum += z;
      nsq += z * z;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(nsum / n)).toBeLessThan(0.02);
    expect(Math.abs(nsq / n - 1)).toBeLessThan(0.03);
  });
});

describe('AliasTable', () => {
  it('draws outcomes in proportion to their weights', () => {
    const table = new AliasTable(Float64Array.of(1, 1, 2, 0, 4));
    const r = new Xoshiro128(3);
    const counts = new Array<number>(5).fill(0);
    const n = 80_000;
    for (let i = 0; i < n; i++) counts[table.sample(r)]!++;
    const expected = [1, 1, 2, 0, 4].map((w) => w / 8);
    counts.forEach((c, i) => expect(Math.abs(c / n - expected[i]!)).toBeLessThan(0.01));
    expect(counts[3]).toBe(0);
  });

  it('rejects weights it cannot sample from', () => {
    expect(() => new AliasTable(new Float64Array(0))).toThrow(/at least one weight/);
    expect(() => new AliasTable(Float64Array.of(0, 0))).toThrow(/sum to 0/);
    expect(() => new AliasTable(Float64Array.of(1, -1))).toThrow(/weight 1 is -1/);
  });
});
