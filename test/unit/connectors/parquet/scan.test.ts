import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { planParquetScan } from '../../../../connectors/parquet/scan.ts';
import { readParquetPartition } from '../../../../connectors/parquet/read.ts';
import { writeParquetFile } from '../../../../connectors/parquet/write.ts';
import {
  ParquetColumnError,
  ParquetInvalidError,
  ParquetNotFoundError,
  ParquetSchemaMismatchError,
} from '../../../../connectors/parquet/errors.ts';
import { DataflowError } from '../../../../engine/errors.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';

const tmp = useTmpDir('parquet-scan');

const ints = (name: string, values: number[]) => arrow.tableFromArrays({ [name]: Int32Array.from(values) });

async function caught(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error('expected a rejection');
  return err;
}

describe('planParquetScan', () => {
  it('reads a directory recursively, sorted, skipping _SUCCESS, _temporary and hidden files', async () => {
    const dir = tmp();
    const table = (id: number, n: number) => arrow.tableFromArrays({ id: Int32Array.from({ length: n }, () => id), v: Float64Array.from({ length: n }, (_, i) => i) });
    await writeParquetFile(table(1, 5), path.join(dir, 'part-00001.parquet'), { rowGroupSize: 2 });
    await writeParquetFile(table(0, 3), path.join(dir, 'part-00000.parquet'));
    await writeParquetFile(table(2, 1), path.join(dir, 'nested', 'part-00002.parquet'));
    await writeParquetFile(table(9, 1), path.join(dir, '_temporary', 'job', 'part-00009.parquet'));
    await writeFile(path.join(dir, '_SUCCESS'), '');
    await writeFile(path.join(dir, '.part-00000.parquet.crc'), 'x');
    await writeFile(path.join(dir, 'notes.txt'), 'not data');

    const scan = await planParquetScan(dir);
    expect(scan.files).toEqual(['nested/part-00002.parquet', 'part-00000.parquet', 'part-00001.parquet'].map((f) => path.join(dir, f)));
    expect(scan.partitions.map((p) => `${path.basename(p.file)}#${p.rowGroup}:${p.numRows}`)).toEqual([
      'part-00002.parquet#0:1',
      'part-00000.parquet#0:3',
      'part-00001.parquet#0:2',
      'part-00001.parquet#1:2',
      'part-00001.parquet#2:1',
    ]);
    expect(scan.schema.fields.map((f) => f.name)).toEqual(['id', 'v']);
    const parts = await Promise.all(scan.partitions.map((p) => readParquetPartition(p, ['id'])));
    expect(parts.flatMap((t) => [...t.getChild('id')!])).toEqual([2, 0, 0, 0, 1, 1, 1, 1, 1]);
  });

  it('projects the schema to the asked columns, in that order', async () => {
    const file = path.join(tmp(), 'a.parquet');
    await writeParquetFile(arrow.tableFromArrays({ a: Int32Array.of(1), b: Float32Array.of(2), c: ['x'] }), file);
    const scan = await planParquetScan(file, { columns: ['c', 'a'] });
    expect(scan.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(['c: Utf8', 'a: Int32']);
  });

  it('fails when the path does not exist', async () => {
    const missing = path.join(tmp(), 'x', 'y');
    const err = await caught(planParquetScan(missing));
    expect(err).toBeInstanceOf(ParquetNotFoundError);
    expect(err).toBeInstanceOf(DataflowError);
    expect((err as DataflowError).code).toBe('PARQUET_NOT_FOUND');
    expect(err.message).toBe(`parquet input ${missing} does not exist`);
  });

  it('fails on a directory without Parquet files', async () => {
    await writeFile(path.join(tmp(), '_SUCCESS'), '');
    const err = await caught(planParquetScan(tmp()));
    expect(err).toBeInstanceOf(ParquetNotFoundError);
    expect(err.message).toContain('without any *.parquet files');
  });

  it('fails on a file that is not Parquet, naming it', async () => {
    const file = path.join(tmp(), 'a.parquet');
    await writeFile(file, 'userId,itemId,rating\n1,2,3.5\n');
    const err = await caught(planParquetScan(file));
    expect(err).toBeInstanceOf(ParquetInvalidError);
    expect((err as DataflowError).code).toBe('PARQUET_INVALID');
    expect(err.message).toMatch(new RegExp(`^${file} is not a Parquet file: it does not start with the magic bytes`));
  });

  it('fails on an empty file and on a truncated file', async () => {
    const empty = path.join(tmp(), 'empty.parquet');
    await writeFile(empty, '');
    expect((await caught(planParquetScan(empty))).message).toBe(`${empty} is not a Parquet file: it is 0 bytes long, and the smallest Parquet file is 12 bytes`);

    const whole = path.join(tmp(), 'whole.parquet');
    await writeParquetFile(ints('a', [1, 2, 3]), whole);
    const bytes = await readFile(whole);
    const truncated = path.join(tmp(), 'truncated.parquet');
    await writeFile(truncated, bytes.subarray(0, bytes.length - 10));
    const err = await caught(planParquetScan(truncated));
    expect(err).toBeInstanceOf(ParquetInvalidError);
    expect(err.message).toMatch(/truncated\.parquet is not a Parquet file: it does not end with the magic bytes "PAR1" \(truncated/);
  });

  it('fails on a corrupt footer', async () => {
    const file = path.join(tmp(), 'a.parquet');
    await writeParquetFile(ints('a', [1, 2, 3]), file);
    const bytes = await readFile(file);
    const metaLength = bytes.readUInt32LE(bytes.length - 8);
    bytes.fill(0xff, bytes.length - 8 - metaLength, bytes.length - 8);
    await writeFile(file, bytes);
    const err = await caught(planParquetScan(file));
    expect(err).toBeInstanceOf(ParquetInvalidError);
    expect(err.message).toContain(`${file} is not a Parquet file: its footer metadata is corrupt`);
  });

  it('fails on a column that is not in the schema, listing the available ones', async () => {
    const file = path.join(tmp(), 'a.parquet');
    await writeParquetFile(arrow.tableFromArrays({ userId: Int32Array.of(1), rating: Float32Array.of(4) }), file);
    const err = await caught(planParquetScan(file, { columns: ['userId', 'movieId'] }));
    expect(err).toBeInstanceOf(ParquetColumnError);
    expect(err.message).toBe(`column 'movieId' is not in ${file}; available columns: userId, rating`);
    await expect(planParquetScan(file, { columns: ['userId', 'userId'] })).rejects.toThrow(/requested twice/);
    await expect(planParquetScan(file, { columns: [] })).rejects.toThrow(/no columns requested/);
  });

  it('fails when files disagree on a column type, naming the file and the column', async () => {
    const dir = tmp();
    await writeParquetFile(ints('a', [1]), path.join(dir, 'part-0.parquet'));
    await writeParquetFile(arrow.tableFromArrays({ a: BigInt64Array.of(1n) }), path.join(dir, 'part-1.parquet'));
    const err = await caught(planParquetScan(dir));
    expect(err).toBeInstanceOf(ParquetSchemaMismatchError);
    expect(err.message).toContain(`column 'a' is Int64 in ${path.join(dir, 'part-1.parquet')} but Int32 in ${path.join(dir, 'part-0.parquet')}`);
  });

  it('fails when a file lacks a column or has an extra one, unless the projection avoids it', async () => {
    const dir = tmp();
    await mkdir(dir, { recursive: true });
    await writeParquetFile(arrow.tableFromArrays({ a: Int32Array.of(1), b: Int32Array.of(2) }), path.join(dir, 'part-0.parquet'));
    await writeParquetFile(arrow.tableFromArrays({ a: Int32Array.of(3) }), path.join(dir, 'part-1.parquet'));
    const missing = await caught(planParquetScan(dir));
    expect(missing.message).toContain(`${path.join(dir, 'part-1.parquet')} has no column 'b', which ${path.join(dir, 'part-0.parquet')} has`);
    const scan = await planParquetScan(dir, { columns: ['a'] });
    expect(scan.partitions).toHaveLength(2);

    await writeParquetFile(arrow.tableFromArrays({ a: Int32Array.of(1), b: Int32Array.of(2), c: Int32Array.of(3) }), path.join(dir, 'part-1.parquet'));
    const extra = await caught(planParquetScan(dir));
    expect(extra).toBeInstanceOf(ParquetSchemaMismatchError);
    expect(extra.message).toContain(`has column 'c', which ${path.join(dir, 'part-0.parquet')} lacks`);
  });
});
