// The executor's cache store, memory and disk, with real files: what fits the storage memory stays
// in memory, the rest is written as IPC and read back identically; drop and clear remove the
// files; a write the disk refuses keeps nothing and leaves no partial file.

import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Table, makeVector, vectorFromArray } from 'apache-arrow';
import { BlockStore } from '../../../engine/executor/block-store.ts';
import { tableBytes } from '../../../engine/executor/memory-budget.ts';
import { tableToRows } from '../../../engine/kernels/rows.ts';
import { useTmpDir } from '../../helpers/tmp-dir.ts';

function part(n: number, seed: number): Table {
  return new Table({
    id: makeVector(Int32Array.from({ length: n }, (_, i) => i + seed)),
    name: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : `n${(i * seed) % 97}`))),
  });
}

describe('BlockStore', () => {
  const dir = useTmpDir('block-store');

  it('keeps what fits in memory, writes the rest to disk and reads it back; drop and clear remove the files', () => {
    const a = part(1000, 1);
    const store = new BlockStore(join(dir(), 'cache'), tableBytes(a) + 10);
    expect(store.put(1, 0, a)).toEqual({ where: 'memory', bytes: tableBytes(a) });
    const b = part(2000, 2);
    const onDisk = store.put(1, 1, b);
    expect(onDisk?.where).toBe('disk');
    const c = part(500, 3);
    const cOnDisk = store.put(2, 0, c);
    expect(cOnDisk?.where).toBe('disk');
    expect(readdirSync(join(dir(), 'cache')).sort()).toEqual(['cache-1-1.arrow', 'cache-2-0.arrow']);
    expect(store.stats).toEqual({ blocks: 3, memoryBytes: tableBytes(a), diskBytes: onDisk!.bytes + cOnDisk!.bytes });

    expect(store.get(1, 0)).toBe(a);
    expect(tableToRows(store.get(1, 1)!)).toEqual(tableToRows(b));
    expect(tableToRows(store.get(2, 0)!)).toEqual(tableToRows(c));
    expect(store.get(3, 0)).toBeUndefined();

    store.drop(1);
    expect(store.stats).toEqual({ blocks: 1, memoryBytes: 0, diskBytes: cOnDisk!.bytes });
    expect(readdirSync(join(dir(), 'cache'))).toEqual(['cache-2-0.arrow']);
    // Memory freed by the drop is used again.
    expect(store.put(3, 0, a)?.where).toBe('memory');
    store.clear();
    expect(store.stats).toEqual({ blocks: 0, memoryBytes: 0, diskBytes: 0 });
    expect(existsSync(join(dir(), 'cache'))).toBe(false);
  });

  it('a file removed under it is a miss (recomputed), and a refused write keeps nothing', () => {
    const store = new BlockStore(join(dir(), 'cache'), 0);
    expect(store.put(1, 0, part(100, 1))?.where).toBe('disk');
    const [file] = readdirSync(join(dir(), 'cache'));
    writeFileSync(join(dir(), 'cache', file!), 'not arrow');
    expect(store.get(1, 0)).toBeUndefined();
    expect(store.size).toBe(0);

    // The folder's place is taken by a file: nothing can be written there.
    writeFileSync(join(dir(), 'blocked'), '');
    const blocked = new BlockStore(join(dir(), 'blocked'), 0);
    expect(blocked.put(1, 0, part(100, 1))).toBeUndefined();
    expect(blocked.stats).toEqual({ blocks: 0, memoryBytes: 0, diskBytes: 0 });
    expect(readdirSync(dir()).sort()).toEqual(['blocked', 'cache']);
  });
});
