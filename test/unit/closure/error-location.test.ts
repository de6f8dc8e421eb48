// Tests for locateUserError: errors thrown inside shipped functions, of both kinds, are reported at
// the exact line (and column) of the job's own source file, including through captured helpers and
// code bundled from the job's relative imports.

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleJob } from '../../../engine/closure/bundle.ts';
import { locateUserError } from '../../../engine/closure/error-location.ts';
import { loadBundle } from '../../../engine/closure/load-bundle.ts';
import { materializeFunction } from '../../../engine/closure/materialize.ts';
import { shipFunction } from '../../../engine/closure/ship.ts';
import type { LoadedBundle, ShippedFunction } from '../../../engine/closure/types.ts';
import { fakeEngine, fakeEngineExports, makeTempDir, positionOf, removeDir } from './fixtures.ts';

const JOB = `import { check } from './lib/check.ts';

export function rate(r: { rating: number }): number {
  if (r.rating < 0) {
    throw new RangeError(\`rating must be positive, got \${r.rating}\`);
  }
  return r.rating;
}

export function makeScorer() {
  return (r: { rating: number }) => {
    const scaled: number = r.rating * factor;
    if (scaled > max) throw new Error(\`score \${scaled} above \${max}\`);
    return validate(scaled);
  };
}

export function makeValidator() {
  return (x: number): number => check(x);
}

export const checked = (x: number): number => check(x);

export const getCheck = () => check;

export default async function main() {}
`;
const CHECK = `// validation helpers
export function check(x: number): number {
  if (Number.isNaN(x)) throw new TypeError('not a number');
  return x;
}
`;

let dir: string;
let jobFile: string;
let checkFile: string;
let bundle: LoadedBundle;
beforeAll(async () => {
  dir = await makeTempDir({ 'job.ts': JOB, 'lib/check.ts': CHECK });
  jobFile = path.join(dir, 'job.ts');
  checkFile = path.join(dir, 'lib/check.ts');
  bundle = await loadBundle(await bundleJob(jobFile, { engineExports: fakeEngineExports }), { workDir: dir, engine: fakeEngine });
});
afterAll(() => removeDir(dir));

/** Run `fn(arg)` the way an executor does and return what it threw. */
function thrownBy(fn: (...args: unknown[]) => unknown, arg: unknown): unknown {
  try {
    fn(arg);
  } catch (error) {
    return error;
  }
  throw new Error('expected the function to throw');
}

const wire = (s: ShippedFunction): ShippedFunction => v8.deserialize(v8.serialize(s)) as ShippedFunction;
const at = (file: string, text: string, needle: string) => {
  const p = positionOf(text, needle);
  return `${file}:${p.line}:${p.column}`;
};

describe('locateUserError', () => {
  it('maps an error in an exported function to the job file line', () => {
    const shipped = wire(shipFunction(bundle.module.rate as () => number, undefined, { bundle, label: 'map' }));
    const fn = materializeFunction(shipped, { bundle, broadcast: () => undefined });
    const e = thrownBy(fn, { rating: -2 });
    const report = locateUserError(e, shipped, bundle);
    const expected = at(jobFile, JOB, 'new RangeError');
    expect(report.location).toBe(expected);
    expect(report.message).toBe(`RangeError: rating must be positive, got -2 (at ${expected})`);
    expect(report.stack).toContain(expected);
  });

  it('maps an error in an inline function shipped by source to the job file line', () => {
    const scorer = (bundle.module.makeScorer as () => (...a: never[]) => unknown)();
    const validate = (x: number) => x;
    const shipped = wire(shipFunction(scorer, { factor: 10, max: 25, validate }, { bundle, label: 'map' }));
    const fn = materializeFunction(shipped, { bundle, broadcast: () => undefined });
    expect(fn({ rating: 2 })).toBe(20);
    const report = locateUserError(thrownBy(fn, { rating: 3 }), shipped, bundle);
    const expected = at(jobFile, JOB, 'new Error(`score');
    expect(report.message).toBe(`Error: score 30 above 25 (at ${expected})`);
    expect(report.location).toBe(expected);
  });

  it('maps an error in a captured helper to the helper’s own file', () => {
    const validator = (bundle.module.makeValidator as () => (...a: never[]) => unknown)();
    const check = (bundle.module.getCheck as () => unknown)(); // not an export itself: ships by source
    const shipped = wire(shipFunction(validator, { check }, { bundle, label: 'map' }));
    const fn = materializeFunction(shipped, { bundle, broadcast: () => undefined });
    const report = locateUserError(thrownBy(fn, Number.NaN), shipped, bundle);
    expect(report.location).toBe(at(checkFile, CHECK, "new TypeError('not a number')"));
  });

  it('maps an error inside code bundled from a relative import, reached from an export', () => {
    const shipped = wire(shipFunction(bundle.module.checked as () => number, undefined, { bundle, label: 'filter' }));
    const fn = materializeFunction(shipped, { bundle, broadcast: () => undefined });
    const report = locateUserError(thrownBy(fn, Number.NaN), shipped, bundle);
    expect(report.location).toBe(at(checkFile, CHECK, "new TypeError('not a number')"));
  });

  it('maps a frame that still points into the bundle file (when no source-map support rewrote it)', () => {
    // What Node prints with source maps disabled: the bundle's own file URL and position.
    const inBundle = positionOf(bundle.code, 'new RangeError');
    const error = new RangeError('rating must be positive, got -2');
    error.stack = `RangeError: rating must be positive, got -2\n    at rate (${pathToFileURL(bundle.file).href}:${inBundle.line}:${inBundle.column})\n    at node:internal/main:1:1`;
    const shipped: ShippedFunction = { kind: 'export', bundleHash: bundle.hash, exportName: 'rate', label: 'map' };
    const report = locateUserError(error, shipped, bundle);
    expect(report.location).toBe(at(jobFile, JOB, 'new RangeError'));
    expect(report.stack).toContain(`at rate (${report.location})`);
  });

  it('without a bundle, counts from the function’s origin', () => {
    // As if the function text started at line 40, column 9 of a job file.
    const fn = (x: number) => {
      if (x > 1) {
        throw new Error('too big');
      }
      return x;
    };
    const origin = { file: '/jobs/inline.ts', line: 40, column: 9 };
    const shipped = wire(shipFunction(fn, undefined, { label: 'map', callSite: origin }));
    const materialized = materializeFunction(shipped, { broadcast: () => undefined });
    const report = locateUserError(thrownBy(materialized, 5), shipped);
    const text = (shipped as { source: string }).source;
    const inFn = positionOf(text, 'new Error(');
    expect(report.location).toBe(`/jobs/inline.ts:${40 + inFn.line - 1}:${inFn.column}`);
  });

  it('falls back to the function’s origin for thrown non-errors', () => {
    const shipped = wire(shipFunction(() => 1, undefined, { label: 'map', callSite: { file: '/jobs/x.ts', line: 3, column: 4 } }));
    const report = locateUserError('plain string', shipped);
    expect(report).toEqual({ message: 'Error: plain string (in the map function at /jobs/x.ts:3:4)' });
  });
});

declare const factor: number, max: number;
declare function validate(x: number): number;
