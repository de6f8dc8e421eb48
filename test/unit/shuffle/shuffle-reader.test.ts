// Reader failure modes on real files: truncated data, missing output, corrupt index, bad partition.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Int32, Table, vectorFromArray } from 'apache-arrow';
import { writeMapOutputTables } from '../../../engine/shuffle/shuffle-writer.ts';
import { decodeBlock, readBlockBytes, readIndex } from '../../../engine/shuffle/shuffle-reader.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dataflow-shuffle-read-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const small = (values: number[]): Table => new Table({ x: vectorFromArray(values, new Int32()) });

describe('readBlockBytes', () => {
  it('reads only its own block, and an empty Uint8Array for an empty block', async () => {
    await writeMapOutputTables({ dir, shuffleId: 2, mapPartition: 1, attempt: 0, tables: [small([1, 2]), undefined, small([3])] });
    expect([...decodeBlock(await readBlockBytes(dir, 2, 1, 0, 2))!.getChild('x')!]).toEqual([3]);
    const empty = await readBlockBytes(dir, 2, 1, 0, 1);
    expect(empty.byteLength).toBe(0);
    expect(decodeBlock(empty)).toBeUndefined();
  });

  it('names the file and states expected vs actual bytes when the data file is truncated', async () => {
    const { dataFile, indexFile, blockSizes } = await writeMapOutputTables({ dir, shuffleId: 2, mapPartition: 1, attempt: 0, tables: [small([1, 2]), small([3, 4, 5])] });
    const { offsets } = await readIndex(indexFile);
    await truncate(dataFile, offsets[1] + 10);
    const err = await readBlockBytes(dir, 2, 1, 0, 1).then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as Error & { code: string });
    expect(err.code).toBe('SHUFFLE_FILE_CORRUPT');
    expect(err.message).toContain(dataFile);
    expect(err.message).toContain(`expected ${blockSizes[1]} bytes`);
    expect(err.message).toContain('only 10 bytes could be read');
    // The first block is still whole and readable.
    expect([...decodeBlock(await readBlockBytes(dir, 2, 1, 0, 0))!.getChild('x')!]).toEqual([1, 2]);
  });

  it('reports a missing map output with a code the scheduler can act on', async () => {
    const err = await readBlockBytes(dir, 9, 9, 0, 0).then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as Error & { code: string });
    expect(err.code).toBe('SHUFFLE_OUTPUT_MISSING');
    expect(err.message).toContain(join(dir, 'shuffle_9_9_0.index'));
  });

  it('rejects a reduce partition outside the index', async () => {
    await writeMapOutputTables({ dir, shuffleId: 2, mapPartition: 1, attempt: 0, tables: [small([1])] });
    await expect(readBlockBytes(dir, 2, 1, 0, 1)).rejects.toThrow(/reduce partitions 1\.\.1 were asked of .* which has 1 reduce partitions/);
  });
});

describe('readIndex', () => {
  it('rejects a file without the magic, or of the wrong length', async () => {
    const bad = join(dir, 'bad.index');
    await writeFile(bad, Buffer.from('NOPE0000'));
    await expect(readIndex(bad)).rejects.toThrow(/fewer than the 12-byte header/);
    await writeFile(bad, Buffer.from('XXXX\x01\x00\x00\x00\x00\x00\x00\x00' + '\x00'.repeat(8), 'latin1'));
    await expect(readIndex(bad)).rejects.toThrow(/expected magic 'DFSI', found "XXXX"/);
    await writeFile(bad, Buffer.from('DFSI\x01\x00\x00\x00\x00\x00\x00\x00' + '\x00'.repeat(8), 'latin1'));
    await expect(readIndex(bad)).rejects.toThrow(/expected format version 2, found 1/);
    await writeFile(bad, Buffer.from('DFSI\x02\x00\x00\x00\x02\x00\x00\x00' + '\x00'.repeat(8), 'latin1'));
    await expect(readIndex(bad)).rejects.toThrow(/should have 36 bytes, but it has 20/);
  });
});

describe('decodeBlock', () => {
  it('errors on bytes that are not an IPC stream', () => {
    expect(() => decodeBlock(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))).toThrow(/not a valid Arrow IPC stream/);
  });
});
