import path from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { planParquetScan } from '../../../../connectors/parquet/scan.ts';
import { onParquetPartitionRead, readParquetPartition } from '../../../../connectors/parquet/read.ts';
import { writeParquetFile } from '../../../../connectors/parquet/write.ts';
import { ParquetColumnError, ParquetFilterError, ParquetPartitionError } from '../../../../connectors/parquet/errors.ts';
import type { ParquetScan } from '../../../../connectors/parquet/scan.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';

const tmp = useTmpDir('parquet-prune');

/** ids 0..n-1 in row groups of 100; `name` cycles through 5 letters within each group. */
function ratings(n: number, base = 0): arrow.Table {
  return new arrow.Table({
    id: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => base + i), new arrow.Int32()),
    big: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(base + i) * 1_000_000_000n), new arrow.Int64()),
    rating: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => ((base + i) % 10) / 2), new arrow.Float32()),
    name: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => `${String.fromCharCode(97 + Math.floor((base + i) / 100))}-${i % 5}`), new arrow.Utf8()),
    maybe: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => (base + i < 100 ? null : i)), new arrow.Int32()),
  });
}

async function readAll(scan: ParquetScan, columns?: string[]): Promise<arrow.Table[]> {
  return Promise.all(scan.partitions.map((p) => readParquetPartition(p, columns, scan.read)));
}
const column = (tables: arrow.Table[], name: string) => tables.flatMap((t) => [...t.getChild(name)!]);

describe('row-group pruning from statistics', () => {
  it('skips row groups whose min/max/null count prove no row matches, and filters the rest exactly', async () => {
    const file = path.join(tmp(), 'r.parquet');
    await writeParquetFile(ratings(500), file, { rowGroupSize: 100 });
    const plan = (filter: unknown) => planParquetScan(file, { filter: filter as never });

    expect((await plan([['id', '>=', 250]])).partitions.map((p) => p.rowGroup)).toEqual([2, 3, 4]);
    expect((await plan([['id', '<', 100]])).partitions.map((p) => p.rowGroup)).toEqual([0]);
    expect((await plan([['id', 'in', [5, 450]]])).partitions.map((p) => p.rowGroup)).toEqual([0, 4]);
    expect((await plan([['big', '>', 399_000_000_000n]])).partitions.map((p) => p.rowGroup)).toEqual([4]);
    expect((await plan([['name', '=', 'c-3']])).partitions.map((p) => p.rowGroup)).toEqual([2]);
    expect((await plan([['name', '>=', 'd']])).partitions.map((p) => p.rowGroup)).toEqual([3, 4]);
    expect((await plan([['maybe', 'is null']])).partitions.map((p) => p.rowGroup)).toEqual([0]);
    expect((await plan([['maybe', 'is not null']])).partitions.map((p) => p.rowGroup)).toEqual([1, 2, 3, 4]);
    expect((await plan([['id', '>=', 100], ['id', '<', 200]])).partitions.map((p) => p.rowGroup)).toEqual([1]);
    expect((await plan([['rating', '>', 4.5]])).partitions).toEqual([]); // max rating is 4.5
    const rated = await plan([['rating', '>=', 4]]); // every group has ratings 4 and 4.5: nothing pruned
    expect(rated.partitions).toHaveLength(5);
    expect(rated.totalRowGroups).toBe(5);

    // the rows read are exactly the matching ones
    const scan = await plan([['id', '>=', 250], ['rating', '>=', 4]]);
    const tables = await readAll(scan, ['id', 'rating']);
    const ids = column(tables, 'id') as number[];
    expect(ids).toEqual(Array.from({ length: 500 }, (_, i) => i).filter((i) => i >= 250 && (i % 10) / 2 >= 4));
  });

  it('reads only the partitions the plan kept (counted through the read hook)', async () => {
    const file = path.join(tmp(), 'r.parquet');
    await writeParquetFile(ratings(500), file, { rowGroupSize: 100 });
    const scan = await planParquetScan(file, { filter: [['id', 'in', [120, 130]]], columns: ['name'] });
    const read: number[] = [];
    const stop = onParquetPartitionRead((p) => read.push(p.rowGroup));
    try {
      const tables = await readAll(scan, ['name']);
      expect(column(tables, 'name')).toEqual(['b-0', 'b-0']);
      expect(tables[0]!.schema.fields.map((f) => f.name)).toEqual(['name']); // filter column not returned
    } finally {
      stop();
    }
    expect(read).toEqual([1]);
  });

  it('rejects bad filters at plan time, naming the problem', async () => {
    const file = path.join(tmp(), 'r.parquet');
    await writeParquetFile(ratings(10), file);
    await expect(planParquetScan(file, { filter: [['nope', '=', 1]] })).rejects.toThrow(ParquetFilterError);
    await expect(planParquetScan(file, { filter: [['id', '>', 'x']] as never })).rejects.toThrow(/'id' is Int32; compare it with a number/);
  });
});

describe('Hive partition folders and globs', () => {
  async function writeYears(root: string): Promise<void> {
    await writeParquetFile(ratings(200, 0), path.join(root, 'year=2023', 'month=1', 'part-0.parquet'), { rowGroupSize: 100 });
    await writeParquetFile(ratings(100, 200), path.join(root, 'year=2024', 'month=2', 'part-0.parquet'));
    await writeParquetFile(ratings(100, 300), path.join(root, 'year=__HIVE_DEFAULT_PARTITION__', 'month=x', 'part-0.parquet'));
  }

  it('adds typed partition columns after the file columns; a projection may name them', async () => {
    const root = tmp();
    await writeYears(root);
    const scan = await planParquetScan(root);
    expect(scan.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual([
      'id: Int32', 'big: Int64', 'rating: Float32', 'name: Utf8', 'maybe: Int32', 'year: Int32', 'month: Utf8',
    ]);
    expect(scan.read.partitionColumns).toEqual([{ name: 'year', type: 'int32' }, { name: 'month', type: 'utf8' }]);
    const tables = await readAll(scan, ['month', 'id', 'year']);
    expect(tables[0]!.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(['month: Utf8', 'id: Int32', 'year: Int32']);
    const byFile = tables.map((t) => [t.getChild('year')!.get(0), t.getChild('month')!.get(0), t.numRows]);
    expect(byFile).toEqual([[2023, '1', 100], [2023, '1', 100], [2024, '2', 100], [null, 'x', 100]]);
    expect(tables[3]!.getChild('year')!.nullCount).toBe(100);
  });

  it('prunes whole files by partition values without reading their footers, then filters rows', async () => {
    const root = tmp();
    await writeYears(root);
    const scan = await planParquetScan(root, { filter: [['year', '=', 2023], ['id', '>=', 150]] });
    expect(scan.partitions.map((p) => [path.relative(root, p.file), p.rowGroup])).toEqual([['year=2023/month=1/part-0.parquet', 1]]);
    expect(scan.totalRowGroups).toBe(2); // only the kept file's footer was read
    const ids = column(await readAll(scan, ['id']), 'id');
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => 150 + i));

    expect((await planParquetScan(root, { filter: [['year', 'is null']] })).partitions.map((p) => path.relative(root, path.dirname(p.file)))).toEqual([
      'year=__HIVE_DEFAULT_PARTITION__/month=x',
    ]);
    expect((await planParquetScan(root, { filter: [['month', 'in', ['2', 'x']], ['year', '>', 2000]] })).partitions).toHaveLength(1);
  });

  it('reads a glob, with partition columns found below the part before the wildcard', async () => {
    const root = tmp();
    await writeYears(root);
    const scan = await planParquetScan(path.join(root, 'year=*/month=*'), { columns: ['year', 'id'] });
    expect(scan.files.map((f) => path.relative(root, f))).toEqual([
      'year=2023/month=1/part-0.parquet', 'year=2024/month=2/part-0.parquet', 'year=__HIVE_DEFAULT_PARTITION__/month=x/part-0.parquet',
    ]);
    expect(scan.schema.fields.map((f) => f.name)).toEqual(['year', 'id']);
    const only2024 = await planParquetScan(path.join(root, 'year=2024', '*')); // matches the folder month=2
    const names = only2024.schema.fields.map((f) => f.name);
    expect(names.slice(-1)).toEqual(['month']); // folders below the glob's base only
    expect(names).not.toContain('year');
    await expect(planParquetScan(path.join(root, 'year=1999*', '*.parquet'))).rejects.toThrow(/matched no files/);
  });

  it('refuses partition folders that clash with a file column or differ between files', async () => {
    const root = tmp();
    await writeParquetFile(ratings(10), path.join(root, 'id=1', 'a.parquet'));
    await expect(planParquetScan(root)).rejects.toThrow(ParquetPartitionError);
    await expect(planParquetScan(root)).rejects.toThrow(/partition folder 'id=...' clashes with column 'id'/);
    const other = path.join(root, 'nested');
    await writeParquetFile(ratings(10), path.join(other, 'k=1', 'a.parquet'));
    await writeParquetFile(ratings(10), path.join(other, 'j=1', 'a.parquet'));
    await expect(planParquetScan(other)).rejects.toThrow(/is under k= but .* is under j=/);
    await expect(planParquetScan(path.join(root, 'id=1'), { columns: ['nope'] })).rejects.toThrow(ParquetColumnError);
  });
});
