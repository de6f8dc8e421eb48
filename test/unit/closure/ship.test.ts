// Tests for shipFunction: exports travel by name, inline functions by source with checked captures;
// the free-variable check names the variable and the job's file:line; captures that would not
// survive the trip are refused with the capture's name and type.

import path from 'node:path';
import v8 from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleJob } from '../../../engine/closure/bundle.ts';
import { FreeVariableError, UnshippableError } from '../../../engine/closure/errors.ts';
import { loadBundle } from '../../../engine/closure/load-bundle.ts';
import { BROADCAST_MARKER, callSiteOutsideEngine, shipFunction } from '../../../engine/closure/ship.ts';
import type { LoadedBundle, ShippedFunction } from '../../../engine/closure/types.ts';
import { FakeDataset, fakeEngine, fakeEngineExports, makeTempDir, positionOf, removeDir } from './fixtures.ts';

const JOB = `// a job used by ship.test.ts
export const isPositive = (r: { rating: number }): boolean => r.rating > 0;

export function makeFilter() {
  const unused: number = 1;
  return (r: { rating: number }) => r.rating > limit;
}

export function makeTwins() {
  const first = (x: number) => x + k;
  const second = (x: number) => x + k;
  return [first, second];
}

export default async function main() {}
`;

let dir: string;
let workDir: string;
let bundle: LoadedBundle;
let jobFile: string;
type Fn = (...args: never[]) => unknown;

beforeAll(async () => {
  dir = await makeTempDir({ 'job.ts': JOB });
  workDir = await makeTempDir();
  jobFile = path.join(dir, 'job.ts');
  bundle = await loadBundle(await bundleJob(jobFile, { engineExports: fakeEngineExports }), { workDir, engine: fakeEngine });
});
afterAll(async () => {
  await removeDir(dir);
  await removeDir(workDir);
});

const source = (s: ShippedFunction) => {
  if (s.kind !== 'source') throw new Error(`expected a source function, got ${s.kind}`);
  return s;
};

describe('shipFunction: by reference', () => {
  it('ships an export of the loaded bundle by name', () => {
    const shipped = shipFunction(bundle.module.isPositive as Fn, undefined, { bundle, label: 'filter' });
    expect(shipped).toEqual({ kind: 'export', bundleHash: bundle.hash, exportName: 'isPositive', label: 'filter' });
  });

  it('refuses captures for an export (it reads module scope itself)', () => {
    expect(() => shipFunction(bundle.module.isPositive as Fn, { limit: 1 }, { bundle, label: 'filter' })).toThrow(
      /export 'isPositive'.*cannot take captures \(limit\)/,
    );
  });
});

describe('shipFunction: by source', () => {
  it('ships an inline function from the bundle with its captures and its place in the job file', () => {
    const fn = (bundle.module.makeFilter as () => Fn)();
    const shipped = source(shipFunction(fn, { limit: 3 }, { bundle, label: 'filter' }));
    expect(shipped.source).toBe('(r) => r.rating > limit');
    expect(shipped.captures).toEqual({ limit: { kind: 'value', value: 3 } });
    expect(shipped.origin).toEqual({ file: jobFile, ...positionOf(JOB, '(r: { rating: number }) => r.rating > limit') });
    expect(shipped.bundleHash).toBe(bundle.hash);
    const { line, column } = shipped.bundlePosition!;
    expect(bundle.code.split('\n')[line - 1]!.slice(column)).toMatch(/^\(r\) => r\.rating > limit/);
    expect(shipped.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('names the free variable, the function and the job file:line when a capture is missing', () => {
    const fn = (bundle.module.makeFilter as () => Fn)();
    let error: unknown;
    try {
      shipFunction(fn, undefined, { bundle, label: 'filter' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FreeVariableError);
    expect((error as FreeVariableError).code).toBe('FREE_VARIABLE');
    expect((error as FreeVariableError).variables).toEqual(['limit']);
    const at = positionOf(JOB, '(r: { rating: number }) => r.rating > limit');
    const use = positionOf(JOB, 'limit;');
    const message = (error as Error).message;
    expect(message).toContain(`filter function at ${jobFile}:${at.line}:${at.column} uses 'limit'`);
    expect(message).toContain(`first use at ${jobFile}:${use.line}:${use.column}`);
    expect(message).toContain('.filter(fn, { limit })');
    expect(message).toContain('export the function from the job module');
  });

  it('picks, among identical function texts, the one nearest the call site', () => {
    const [, second] = (bundle.module.makeTwins as () => Fn[])();
    const at = positionOf(JOB, '(x: number) => x + k;\n  return');
    const shipped = source(shipFunction(second!, { k: 1 }, { bundle, label: 'map', callSite: { file: jobFile, line: at.line, column: 1 } }));
    expect(shipped.origin).toEqual({ file: jobFile, ...at });
  });

  it('without a bundle, uses the call site as origin', () => {
    const callSite = callSiteOutsideEngine();
    expect(callSite?.file).toBe(new URL(import.meta.url).pathname);
    const shipped = source(shipFunction((x: number) => x * 2, undefined, { label: 'map', callSite }));
    expect(shipped.origin).toEqual(callSite);
    expect(shipped.bundleHash).toBeUndefined();
  });

  it('lets JavaScript globals through but not process', () => {
    const ok = (x: number) => Math.max(x, Number.EPSILON) + JSON.stringify([x]).length + new Float64Array(1).length;
    expect(() => shipFunction(ok, undefined, { label: 'map' })).not.toThrow();
    expect(() => shipFunction(() => process.env.HOME, undefined, { label: 'map' })).toThrow(/uses 'process'/);
  });

  it('ships numbers, typed arrays, plain objects, Map, Set and bigint, and survives v8.serialize', () => {
    const captures = {
      n: 2.5,
      weights: Float64Array.from([1, 2, 3]),
      conf: { names: ['a', 'b'], nested: { deep: true } },
      lookup: new Map([['x', 1]]),
      seen: new Set([1, 2]),
      big: 10n,
    };
    const fn = () => [n, weights, conf, lookup, seen, big];
    const shipped = shipFunction(fn, captures, { label: 'map' });
    const copy = v8.deserialize(v8.serialize(shipped)) as ShippedFunction;
    expect(copy).toEqual(shipped);
    expect(source(copy).captures.weights).toEqual({ kind: 'value', value: Float64Array.from([1, 2, 3]) });
  });

  it('ships a captured function recursively, and an exported one by reference', () => {
    const helper = (y: number) => y * 2;
    const shipped = source(
      shipFunction((x: number) => helper(x) + (isPositive({ rating: x }) ? 1 : 0), { helper, isPositive: bundle.module.isPositive }, {
        bundle,
        label: 'map',
      }),
    );
    expect(shipped.captures.helper).toMatchObject({ kind: 'function', fn: { kind: 'source', source: '(y) => y * 2' } });
    expect(shipped.captures.isPositive).toEqual({
      kind: 'function',
      fn: { kind: 'export', bundleHash: bundle.hash, exportName: 'isPositive', label: 'map' },
    });
  });

  it('checks a captured function for free variables too', () => {
    const helper = (y: number) => y * factor;
    expect(() => shipFunction((x: number) => helper(x), { helper }, { label: 'map' })).toThrow(
      /function captured as 'helper' by the map function.*uses 'factor'/,
    );
  });

  it('ships broadcast handles by id', () => {
    const model = { broadcastId: 7, [BROADCAST_MARKER]: true };
    const shipped = source(shipFunction(() => model, { model }, { label: 'map' }));
    expect(shipped.captures.model).toEqual({ kind: 'broadcast', $broadcast: 7 });
  });

  it('refuses captures that would not arrive intact, naming the capture and its type', () => {
    const ship = (captures: Record<string, unknown>) => () =>
      shipFunction(() => [ds, tag, opts], captures, { label: 'map' });
    expect(ship({ ds: new FakeDataset([1]), tag: 1, opts: 1 })).toThrow(/capture 'ds' of the map function.*instance of class FakeDataset/);
    expect(ship({ ds: 1, tag: Symbol('x'), opts: 1 })).toThrow(/capture 'tag'.*a symbol/);
    expect(ship({ ds: 1, tag: 1, opts: { fns: [() => 1] } })).toThrow(/capture 'opts'.*opts\.fns\[0\] is a function/);
    expect(ship({ ds: 1, tag: 1, opts: { m: { broadcastId: 1, [BROADCAST_MARKER]: true } } })).toThrow(/opts\.m is a broadcast handle/);
    for (const make of [ship({ ds: new FakeDataset([1]), tag: 1, opts: 1 })]) expect(make).toThrow(UnshippableError);
  });

  it('refuses functions whose source cannot be shipped', () => {
    expect(() => shipFunction(Math.max, undefined, { label: 'map' })).toThrow(/built-in or bound function/);
    expect(() => shipFunction(((x: number) => x).bind(null), undefined, { label: 'map' })).toThrow(/built-in or bound function/);
    const obj = { twice(x: number) { return 2 * x; } };
    expect(() => shipFunction(obj.twice, undefined, { label: 'map' })).toThrow(/Method shorthand/);
    expect(() => shipFunction((x: number) => x, { 'not-a-name': 1 }, { label: 'map' })).toThrow(/capture name 'not-a-name'/);
  });
});

// Referenced by the functions above only to be shipped, never run here.
declare const limit: number, k: number, n: number, weights: Float64Array, conf: unknown, lookup: unknown, seen: unknown;
declare const big: bigint, factor: number, ds: unknown, tag: unknown, opts: unknown;
declare function isPositive(r: { rating: number }): boolean;
