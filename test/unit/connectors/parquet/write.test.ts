import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { writeParquetBatches, writeParquetFile, type ParquetCompression } from '../../../../connectors/parquet/write.ts';
import { planParquetScan } from '../../../../connectors/parquet/scan.ts';
import { readParquetPartition } from '../../../../connectors/parquet/read.ts';
import { InvalidInputError } from '../../../../engine/errors.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';

const tmp = useTmpDir('parquet-write');

const sample = (n: number) =>
  arrow.tableFromArrays({ id: Int32Array.from({ length: n }, (_, i) => i), x: Float64Array.from({ length: n }, (_, i) => (i % 97) / 3) });

describe('writeParquetFile', () => {
  it.each<ParquetCompression>(['snappy', 'zstd', 'gzip', 'lz4', 'brotli', 'none'])('writes %s-compressed files that read back', async (compression) => {
    const file = path.join(tmp(), `${compression}.parquet`);
    const result = await writeParquetFile(sample(2000), file, { compression });
    expect(result.rows).toBe(2000);
    expect(result.bytes).toBe((await stat(file)).size);
    const [part] = (await planParquetScan(file)).partitions;
    const back = await readParquetPartition(part!);
    expect(back.getChild('x')!.get(1000)).toBe((1000 % 97) / 3);
  });

  it('cuts row groups at rowGroupSize, across input batches', async () => {
    const file = path.join(tmp(), 'rg.parquet');
    const a = sample(700);
    const table = new arrow.Table(a.schema, [...a.batches, ...sample(700).batches]);
    await writeParquetFile(table, file, { rowGroupSize: 500 });
    const scan = await planParquetScan(file);
    expect(scan.partitions.map((p) => p.numRows)).toEqual([500, 500, 400]);
  });

  it('creates parent folders and leaves no temporary files behind', async () => {
    const file = path.join(tmp(), 'a', 'b', 'c.parquet');
    await writeParquetFile(sample(10), file);
    expect(await readdir(path.dirname(file))).toEqual(['c.parquet']);
  });

  it('rejects bad options, naming them', async () => {
    const file = path.join(tmp(), 'x.parquet');
    await expect(writeParquetFile(sample(1), file, { compression: 'lzo' as ParquetCompression })).rejects.toThrow(/compression 'lzo' is not supported; use one of snappy/);
    await expect(writeParquetFile(sample(1), file, { rowGroupSize: 0 })).rejects.toThrow(InvalidInputError);
    expect(await readdir(tmp())).toEqual([]);
  });
});

describe('writeParquetBatches', () => {
  it('streams batches from a generator', async () => {
    const file = path.join(tmp(), 'gen.parquet');
    const schema = sample(1).schema;
    function* batches() {
      for (let i = 0; i < 3; i++) yield* sample(400).batches;
    }
    const bytes = await writeParquetBatches(batches(), schema, file, { rowGroupSize: 1000 });
    expect(bytes).toBe((await stat(file)).size);
    const scan = await planParquetScan(file);
    expect(scan.partitions.map((p) => p.numRows)).toEqual([1000, 200]);
  });

  it("passes on the source's error and leaves no file (the wasm writer would otherwise abort the process)", async () => {
    const file = path.join(tmp(), 'fail.parquet');
    const schema = sample(1).schema;
    function* failing() {
      yield* sample(10).batches;
      throw new Error('source broke');
    }
    await expect(writeParquetBatches(failing(), schema, file)).rejects.toThrow('source broke');
    expect(await readdir(tmp())).toEqual([]);
  });

  it('refuses a batch whose schema differs from the declared one', async () => {
    const file = path.join(tmp(), 'mismatch.parquet');
    const other = arrow.tableFromArrays({ y: Float32Array.of(1) });
    await expect(writeParquetBatches(other.batches, sample(1).schema, file)).rejects.toThrow(/record batch has schema \(y: Float32\) but the Parquet file is being written with \(id: Int32, x: Float64\)/);
    expect(await readdir(tmp())).toEqual([]);
  });
});
