import { describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import { shipFunction } from '../../../engine/closure/ship.ts';
import { materializeFunction } from '../../../engine/closure/materialize.ts';
import { libraryModulesIn, loadLibraryModules } from '../../../engine/closure/library.ts';
import { fixtureLibrary } from '../../fixtures/library-module.ts';

const noBroadcast = (): never => { throw new Error('no broadcasts here'); };

describe('library functions', () => {
  it('ship by package-relative module path and export name', () => {
    const shipped = shipFunction(fixtureLibrary.scaleAll, undefined, { label: 'map' });
    expect(shipped).toEqual({ kind: 'library', module: 'test/fixtures/library-module.ts', exportName: 'scaleAll', label: 'map' });
  });

  it('can be captured by an inline function and materialize after their module is loaded', async () => {
    const scale = fixtureLibrary.scaleAll;
    const factor = 3;
    const shipped = v8.deserialize(v8.serialize(shipFunction((xs: number[]) => scale(xs, factor), { scale, factor }, { label: 'map' })));
    const modules = libraryModulesIn(shipped);
    expect([...modules]).toEqual(['test/fixtures/library-module.ts']);
    await loadLibraryModules(modules);
    const fn = materializeFunction(shipped, { broadcast: noBroadcast });
    expect(fn([1, 2])).toEqual([3, 6]);
  });

  it('refuse captures of their own', () => {
    expect(() => shipFunction(fixtureLibrary.scaleAll, { factor: 2 }, { label: 'map' })).toThrow(/library function 'scaleAll'.*cannot take captures/);
  });
});

describe('shared module captures', () => {
  it('ship apache-arrow by name and bind the executor copy', async () => {
    const arrow = await import('apache-arrow');
    const build = (n: number) => new arrow.Table({ x: arrow.makeVector(new Int32Array(n)) });
    const shipped = v8.deserialize(v8.serialize(shipFunction(build, { arrow }, { label: 'mapBatches' })));
    expect(shipped.captures.arrow).toEqual({ kind: 'module', name: 'apache-arrow' });
    const fn = materializeFunction(shipped, { broadcast: noBroadcast });
    const table = fn(3) as InstanceType<typeof arrow.Table>;
    expect(table).toBeInstanceOf(arrow.Table);
    expect(table.numRows).toBe(3);
  });

  it('recognise a copy of the namespace that re-exports the same bindings', async () => {
    const arrow = await import('apache-arrow');
    const copy = { ...arrow };
    expect(shipFunction(() => copy.Table, { copy }, { label: 'map' })).toMatchObject({ captures: { copy: { kind: 'module', name: 'apache-arrow' } } });
  });
});
