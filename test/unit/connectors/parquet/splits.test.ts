// Scan partitions of several row groups: how row groups are packed (consecutive, one file, up to a
// byte target of the columns read) and that a job reads the same rows and computes the same
// aggregate whatever the packing.
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planParquetScan } from '../../../../connectors/parquet/scan.ts';
import { packRowGroups } from '../../../../connectors/parquet/splits.ts';
import { onParquetPartitionRead } from '../../../../connectors/parquet/read.ts';
import { writeParquetFile } from '../../../../connectors/parquet/write.ts';
import { Session } from '../../../../engine/dataset/session.ts';
import { count, mean } from '../../../../engine/index.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';

const tmp = useTmpDir('parquet-splits');
let session: Session;
beforeAll(async () => {
  session = await Session.create({ master: 'local' });
});
afterAll(async () => {
  await session.stop();
});

/** n rows from `base`: an id, a key over 7 values, a rating, and a wide text column no test reads. */
function table(n: number, base = 0): arrow.Table {
  return new arrow.Table({
    id: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => base + i), new arrow.Int32()),
    key: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => (base + i) % 7), new arrow.Int32()),
    rating: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => ((base + i) % 10) / 2), new arrow.Float64()),
    text: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => `row ${(base + i) * 2654435761 % 1e9} of ${base}`), new arrow.Utf8()),
  });
}

async function twoFiles(): Promise<string> {
  const dir = path.join(tmp(), 'in');
  await writeParquetFile(table(500), path.join(dir, 'a.parquet'), { rowGroupSize: 100 });
  await writeParquetFile(table(300, 500), path.join(dir, 'b.parquet'), { rowGroupSize: 100 });
  return dir;
}

const names = (tasks: Array<Array<{ file: string; rowGroup: number }>>) => tasks.map((t) => t.map((g) => `${path.basename(g.file)}#${g.rowGroup}`));

describe('packRowGroups', () => {
  it('packs consecutive row groups of one file up to the target, never across files or over a pruned gap', async () => {
    const dir = await twoFiles();
    const scan = await planParquetScan(dir, { columns: ['id', 'rating'] });
    const perGroup = scan.partitionBytes[0]!;
    expect(perGroup).toBeGreaterThan(0);
    // bytes count only the chunks of the columns read, not the whole row group with its text
    const all = await planParquetScan(dir);
    expect(all.partitionBytes[0]!).toBeGreaterThan(perGroup);

    expect(names(packRowGroups(scan.partitions, scan.partitionBytes, 2 * perGroup + 1))).toEqual([
      ['a.parquet#0', 'a.parquet#1'], ['a.parquet#2', 'a.parquet#3'], ['a.parquet#4'], ['b.parquet#0', 'b.parquet#1'], ['b.parquet#2'],
    ]);
    expect(names(packRowGroups(scan.partitions, scan.partitionBytes, 1))).toHaveLength(8);
    expect(names(packRowGroups(scan.partitions, scan.partitionBytes, 1 << 30))).toEqual([
      ['a.parquet#0', 'a.parquet#1', 'a.parquet#2', 'a.parquet#3', 'a.parquet#4'], ['b.parquet#0', 'b.parquet#1', 'b.parquet#2'],
    ]);

    const pruned = await planParquetScan(dir, { columns: ['id'], filter: [['id', 'in', [5, 150, 450]]] });
    expect(names(packRowGroups(pruned.partitions, pruned.partitionBytes, 1 << 30))).toEqual([['a.parquet#0', 'a.parquet#1'], ['a.parquet#4']]);
  });

  it('refuses a target that is not a positive integer, naming the option', async () => {
    const dir = await twoFiles();
    await expect(session.readParquet(dir, { partitionBytes: 0 })).rejects.toThrow(/partitionBytes must be a positive integer, got 0/);
  });
});

describe('readParquet with several row groups per partition', () => {
  it('reads every row group of a partition, in order, and gives the same rows and aggregate as one partition per row group', async () => {
    const dir = await twoFiles();
    const read: string[] = [];
    const stop = onParquetPartitionRead((p) => read.push(`${path.basename(p.file)}#${p.rowGroup}`));
    try {
      const packed = await session.readParquet(dir, { columns: ['id', 'key', 'rating'] });
      expect(packed.numPartitions).toBe(2);
      const ids = (await packed.collect()).map((r) => r.id);
      expect(ids).toEqual(Array.from({ length: 800 }, (_, i) => i));
      expect(read).toEqual(['a.parquet#0', 'a.parquet#1', 'a.parquet#2', 'a.parquet#3', 'a.parquet#4', 'b.parquet#0', 'b.parquet#1', 'b.parquet#2']);
    } finally {
      stop();
    }
    const stats = async (partitionBytes?: number) => {
      const ds = await session.readParquet(dir, { columns: ['key', 'rating'], partitionBytes });
      return ds.aggregateByKey(['key'], { n: count(), avg: mean('rating') }, { numPartitions: 3 }).collect();
    };
    const packed = await stats();
    expect(packed).toHaveLength(7);
    expect(packed.reduce((n, r) => n + Number(r.n), 0)).toBe(800);
    expect(packed).toEqual(await stats(1));
  });

  it('gives mapPartitionTables the whole partition as one table, not one call per row group', async () => {
    const dir = await twoFiles();
    const ds = await session.readParquet(dir, { columns: ['id'] });
    // one output row per call: the first row of the table it was given
    const firsts = (await ds.mapPartitionTables((t) => t.slice(0, 1)).collect()).map((r) => r.id);
    expect(firsts).toEqual([0, 500]);
  });
});
