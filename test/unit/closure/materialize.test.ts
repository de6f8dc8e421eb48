// Tests for materializeFunction: shipped functions rebuilt from plain data, with captures bound as
// variables, nested functions and broadcasts resolved, exports taken from the bundle; and one
// round trip into a separate Node process, where nothing of the driver's closures exists.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleJob } from '../../../engine/closure/bundle.ts';
import { MaterializeError } from '../../../engine/closure/errors.ts';
import { loadBundle } from '../../../engine/closure/load-bundle.ts';
import { materializeFunction } from '../../../engine/closure/materialize.ts';
import { BROADCAST_MARKER, shipFunction } from '../../../engine/closure/ship.ts';
import type { LoadedBundle, ShippedFunction } from '../../../engine/closure/types.ts';
import { fakeEngine, fakeEngineExports, makeTempDir, removeDir } from './fixtures.ts';

let dir: string;
let bundle: LoadedBundle;
beforeAll(async () => {
  dir = await makeTempDir({ 'job.ts': 'export const triple = (x: number): number => 3 * x;\nexport const notAFunction = 5;\n' });
  const built = await bundleJob(path.join(dir, 'job.ts'), { engineExports: fakeEngineExports });
  bundle = await loadBundle(built, { workDir: dir, engine: fakeEngine });
});
afterAll(() => removeDir(dir));

/** What an executor receives: the shipped form after a v8 round trip, no shared references. */
const overTheWire = (s: ShippedFunction): ShippedFunction => v8.deserialize(v8.serialize(s)) as ShippedFunction;
const noBroadcasts = { broadcast: (id: number) => { throw new Error(`unexpected broadcast ${id}`); } };

describe('materializeFunction', () => {
  it('rebuilds an inline arrow with number, typed-array and function captures', () => {
    const scale = 2;
    const weights = Float64Array.from([0.5, 1, 2]);
    const offset = (i: number) => i * 100;
    const fn = (i: number) => weights[i]! * scale + offset(i);
    const shipped = overTheWire(shipFunction(fn, { scale, weights, offset }, { label: 'map' }));
    const rebuilt = materializeFunction(shipped, noBroadcasts);
    expect(rebuilt).not.toBe(fn);
    expect([0, 1, 2].map((i) => rebuilt(i))).toEqual([1, 102, 204]);
  });

  it('binds each call its own capture values, even when the compiled code is cached', () => {
    const make = (limit: number) => overTheWire(shipFunction((x: number) => x > limit, { limit }, { label: 'filter' }));
    const a = make(1);
    const b = make(10);
    expect(a.kind === 'source' && b.kind === 'source' && a.id === b.id).toBe(true);
    expect(materializeFunction(a, noBroadcasts)(5)).toBe(true);
    expect(materializeFunction(b, noBroadcasts)(5)).toBe(false);
  });

  it('rebuilds async and function-expression functions', async () => {
    const add = async function (x: number) {
      return x + step;
    };
    const step = 4;
    const rebuilt = materializeFunction(overTheWire(shipFunction(add, { step }, { label: 'mapPartitions' })), noBroadcasts);
    await expect(rebuilt(1)).resolves.toBe(5);
  });

  it('resolves broadcast captures through the executor', () => {
    const model = { broadcastId: 3, [BROADCAST_MARKER]: true };
    const shipped = overTheWire(shipFunction((x: number) => (model as unknown as number[])[x], { model }, { label: 'map' }));
    const rebuilt = materializeFunction(shipped, { broadcast: (id) => (id === 3 ? [10, 20] : undefined) });
    expect(rebuilt(1)).toBe(20);
  });

  it('takes exports from the loaded bundle, and refuses a different bundle', () => {
    const shipped = overTheWire(shipFunction(bundle.module.triple as (x: number) => number, undefined, { bundle, label: 'map' }));
    expect(materializeFunction(shipped, { bundle, ...noBroadcasts })(7)).toBe(21);
    expect(() => materializeFunction(shipped, noBroadcasts)).toThrow(MaterializeError);
    expect(() => materializeFunction(shipped, noBroadcasts)).toThrow(/no job bundle loaded/);
    const missing: ShippedFunction = { kind: 'export', bundleHash: bundle.hash, exportName: 'notAFunction', label: 'map' };
    expect(() => materializeFunction(missing, { bundle, ...noBroadcasts })).toThrow(/no function export 'notAFunction'/);
  });

  it('works in a fresh Node process that has only the shipped data', () => {
    const base = 7;
    const weights = Int32Array.from([1, 2, 3]);
    const square = (v: number) => v * v;
    const shipped = shipFunction((i: number) => square(weights[i]!) + base, { base, weights, square }, { label: 'map' });
    const payload = path.join(dir, 'shipped.bin');
    writeFileSync(payload, v8.serialize(shipped));
    const child = path.join(dir, 'child.ts');
    const materializeUrl = pathToFileURL(path.resolve('engine/closure/materialize.ts')).href;
    writeFileSync(
      child,
      `import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import { materializeFunction } from ${JSON.stringify(materializeUrl)};
const shipped = v8.deserialize(readFileSync(${JSON.stringify(payload)}));
const fn = materializeFunction(shipped, { broadcast: () => undefined });
process.stdout.write(JSON.stringify([0, 1, 2].map((i) => fn(i))));
`,
    );
    const result = spawnSync(process.execPath, ['--import', 'tsx', child], { encoding: 'utf8', cwd: process.cwd() });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual([8, 11, 16]);
  });
});

