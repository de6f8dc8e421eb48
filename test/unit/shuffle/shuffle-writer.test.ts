// Map output write + read round trip on real files: block contents, empty blocks, index bytes,
// the pre-split variant, atomic naming.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Float64, Int32, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { encodeIndex, splitByPartition, writeMapOutput, writeMapOutputTables } from '../../../engine/shuffle/shuffle-writer.ts';
import { decodeBlock, readBlockBytes, readIndex } from '../../../engine/shuffle/shuffle-reader.ts';
import { partitionIds } from '../../../engine/shuffle/partitioner.ts';
import type { Partitioner } from '../../../engine/shuffle/partitioner.ts';
import { canonicalTable, plainColumns } from '../kernels/canonical-table.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dataflow-shuffle-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sample(): Table {
  const n = 200;
  return new Table({
    k: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 10 === 0 ? null : i % 17)), new Int32()),
    s: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : `row-${i}`)), new Utf8()),
    v: vectorFromArray(Array.from({ length: n }, (_, i) => i / 4), new Float64()),
  });
}

const rowsOf = (t: Table | undefined): unknown[][] =>
  t ? Array.from({ length: t.numRows }, (_, i) => t.schema.fields.map((f) => t.getChild(f.name)!.get(i))) : [];

describe('writeMapOutput + readBlockBytes', () => {
  it('round-trips 4 reduce partitions including empty ones', async () => {
    const table = sample();
    // Range bounds [8], [8], [null]: k <= 8 → partition 0; k > 8 and null (nulls sort last,
    // equal to the null bound) → partition 2; partitions 1 and 3 stay empty.
    const partitioner: Partitioner = { kind: 'range', keys: ['k'], ascending: [true], bounds: [[8], [8], [null]], numPartitions: 4 };
    const ids = partitionIds(table, partitioner);
    const out = await writeMapOutput({ dir, shuffleId: 3, mapPartition: 5, attempt: 0, table, partitioner, numPartitions: 4 });
    expect(out.dataFile).toBe(join(dir, 'shuffle_3_5_0.data'));
    expect(out.indexFile).toBe(join(dir, 'shuffle_3_5_0.index'));
    expect(out.blockSizes[1]).toBe(0);
    expect(out.blockSizes[3]).toBe(0);
    expect(out.blockSizes[0]).toBeGreaterThan(0);
    expect(out.blockSizes[2]).toBeGreaterThan(0);

    const all = rowsOf(table);
    for (let r = 0; r < 4; r++) {
      const bytes = await readBlockBytes(dir, 3, 5, 0, r);
      expect(bytes.byteLength).toBe(out.blockSizes[r]);
      const block = decodeBlock(bytes);
      const expected = all.filter((_, i) => ids[i] === r);
      if (expected.length === 0) expect(block).toBeUndefined();
      else {
        expect(block!.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['k:Int32', 's:Utf8', 'v:Float64']);
        expect(rowsOf(block)).toEqual(expected);
      }
    }
    expect((await readdir(dir)).sort()).toEqual(['shuffle_3_5_0.data', 'shuffle_3_5_0.index']);
  });

  it('round-trips a hash-partitioned table: every row lands in exactly one block', async () => {
    const table = sample();
    const partitioner: Partitioner = { kind: 'hash', keys: ['s'], numPartitions: 4 };
    const { blockSizes } = await writeMapOutput({ dir, shuffleId: 1, mapPartition: 0, attempt: 2, table, partitioner, numPartitions: 4 });
    const got: unknown[][] = [];
    for (let r = 0; r < 4; r++) got.push(...rowsOf(decodeBlock(await readBlockBytes(dir, 1, 0, 2, r))));
    const key = (row: unknown[]): string => JSON.stringify(row);
    expect(got.map(key).sort()).toEqual(rowsOf(table).map(key).sort());
    expect(blockSizes.filter((b) => b > 0).length).toBe(4);
  });

  it('round-trips every column type, with nulls, through sliced partitions', async () => {
    const table = canonicalTable();
    const parts = splitByPartition(table, Int32Array.of(1, 0, 1, 0, 1), 2);
    await writeMapOutputTables({ dir, shuffleId: 4, mapPartition: 0, attempt: 0, tables: parts });
    const all = plainColumns(table);
    for (let r = 0; r < 2; r++) {
      const block = decodeBlock(await readBlockBytes(dir, 4, 0, 0, r))!;
      const rows = r === 0 ? [1, 3] : [0, 2, 4];
      expect(block.schema.fields.map((f) => String(f.type))).toEqual(table.schema.fields.map((f) => String(f.type)));
      const got = plainColumns(block);
      for (const name of Object.keys(all)) expect(got[name], name).toEqual(rows.map((i) => all[name][i]));
    }
  });

  it('writes the documented index bytes', async () => {
    const { indexFile, blockSizes } = await writeMapOutputTables({
      dir, shuffleId: 0, mapPartition: 0, attempt: 0, tables: [sample(), undefined, sample().slice(0, 0), sample().slice(0, 3)],
    });
    const bytes = new Uint8Array(await readFile(indexFile));
    expect(bytes.byteLength).toBe(12 + 8 * 5);
    expect(Array.from(bytes.subarray(0, 12))).toEqual([0x44, 0x46, 0x53, 0x49, 1, 0, 0, 0, 4, 0, 0, 0]);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const offsets = [0, 1, 2, 3, 4].map((r) => Number(view.getBigUint64(12 + 8 * r, true)));
    expect(offsets).toEqual([0, blockSizes[0], blockSizes[0], blockSizes[0], blockSizes[0] + blockSizes[3]]);
    expect(await readIndex(indexFile)).toEqual({ version: 1, numPartitions: 4, offsets });
    expect(Array.from(encodeIndex([10, 0]).subarray(12))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('rejects a partitioner whose partition count disagrees with numPartitions', async () => {
    await expect(
      writeMapOutput({ dir, shuffleId: 0, mapPartition: 0, attempt: 0, table: sample(), partitioner: { kind: 'single' }, numPartitions: 2 }),
    ).rejects.toThrow(/produces 1 partitions but numPartitions is 2/);
  });
});

describe('splitByPartition', () => {
  it('keeps the original row order inside each partition', () => {
    const t = new Table({ x: vectorFromArray([10, 11, 12, 13, 14], new Int32()) });
    const parts = splitByPartition(t, Int32Array.of(1, 0, 1, 2, 0), 3);
    expect(parts.map((p) => [...p.getChild('x')!])).toEqual([[11, 14], [10, 12], [13]]);
  });
});
