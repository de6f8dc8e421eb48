import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvHeaderError, CsvNotFoundError } from '../../../../connectors/csv/errors.ts';
import { planCsvScan, splitFiles } from '../../../../connectors/csv/scan.ts';
import { InvalidInputError } from '../../../../engine/errors.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';

const tmp = useTmpDir('csv-scan');

async function fixture(name: string, text: string): Promise<string> {
  const file = path.join(tmp(), name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

const typesOf = (scan: { schema: { fields: Array<{ name: string; type: unknown }> } }) => scan.schema.fields.map((f) => `${f.name}:${String(f.type)}`);

describe('planCsvScan', () => {
  it('infers types from a sample and cuts the file into line-aligned byte ranges', async () => {
    const body = Array.from({ length: 100 }, (_, i) => `${i},${i * 3000000000},${i / 2},${i % 2 === 0},u${i}`).join('\n');
    const file = await fixture('t.csv', `a,b,c,d,e\n${body}\n`);
    const scan = await planCsvScan(file, { partitionBytes: 1000 });
    expect(typesOf(scan)).toEqual(['a:Int32', 'b:Int64', 'c:Float64', 'd:Bool', 'e:Utf8']);
    expect(scan.partitions.length).toBeGreaterThan(1);
    expect(scan.partitions[0]!.start).toBe(0);
    expect(scan.partitions.at(-1)!.end).toBe(Buffer.byteLength(`a,b,c,d,e\n${body}\n`));
    expect(scan.multiLine).toBe(false);
  });

  it('takes given types over inferred ones and renames header columns with columnNames', async () => {
    const file = await fixture('r.csv', 'userId,movieId,rating\n1,2,3.5\n');
    const scan = await planCsvScan(file, { columnNames: ['u', 'i', 'r'], schema: { r: 'float32', i: 'int64' } });
    expect(typesOf(scan)).toEqual(['u:Int32', 'i:Int64', 'r:Float32']);
    expect(scan.headerNames).toEqual(['userId', 'movieId', 'rating']);
  });

  it('reads a directory (skipping _ and . files) and several paths, checking that headers agree', async () => {
    await fixture('d/part-1.csv', 'a,b\n1,2\n');
    await fixture('d/part-0.csv', 'a,b\n3,4\n');
    await fixture('d/_SUCCESS', '');
    await fixture('d/.part-0.csv.crc', 'junk');
    await fixture('d/empty.csv', '');
    const scan = await planCsvScan(path.join(tmp(), 'd'));
    expect(scan.files.map((f) => path.basename(f))).toEqual(['empty.csv', 'part-0.csv', 'part-1.csv']);
    expect(scan.partitions.map((p) => path.basename(p.file))).toEqual(['part-0.csv', 'part-1.csv']);
    const other = await fixture('other.csv', 'a,c\n1,2\n');
    const error = await planCsvScan([path.join(tmp(), 'd'), other]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvHeaderError);
    expect((error as Error).message).toContain(`${other} has header (a, c) but ${path.join(tmp(), 'd', 'part-0.csv')} has (a, b)`);
  });

  it('reads a file whose sample holds a quoted newline as one partition, unless told otherwise', async () => {
    const file = await fixture('m.csv', `a,b\n1,"x\ny"\n${'2,z\n'.repeat(50)}`);
    expect((await planCsvScan(file, { partitionBytes: 20 })).partitions).toHaveLength(1);
    expect((await planCsvScan(file, { partitionBytes: 20, multiLine: false })).partitions.length).toBeGreaterThan(1);
    expect((await planCsvScan(file, { partitionBytes: 20, multiLine: true })).multiLine).toBe(true);
  });

  it('names headerless columns _c0, _c1, ...', async () => {
    const scan = await planCsvScan(await fixture('h.tsv', '1\tx\n'), { header: false, delimiter: '\t' });
    expect(typesOf(scan)).toEqual(['_c0:Int32', '_c1:Utf8']);
  });

  it.each([
    [{ schema: { nope: 'int32' } }, InvalidInputError, /schema names column 'nope', which is not in .*; columns: a, b/],
    [{ select: ['nope'] }, InvalidInputError, /select names column 'nope'/],
    [{ columnNames: ['x'] }, InvalidInputError, /columnNames has 1 names but the header of .* has 2 columns/],
  ] as const)('rejects %j naming the column', async (options, type, message) => {
    const file = await fixture('o.csv', 'a,b\n1,2\n');
    const error = await planCsvScan(file, options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
  });

  it('fails clearly on a missing input, an empty directory, a duplicate header name and a header-less empty input', async () => {
    await expect(planCsvScan(path.join(tmp(), 'missing.csv'))).rejects.toThrow(CsvNotFoundError);
    await mkdir(path.join(tmp(), 'none'));
    await expect(planCsvScan(path.join(tmp(), 'none'))).rejects.toThrow(/is a directory without data files/);
    await expect(planCsvScan(await fixture('dup.csv', 'a,a\n1,2\n'))).rejects.toThrow(/names column 'a' twice/);
    await expect(planCsvScan(await fixture('e.csv', ''))).rejects.toThrow(/every CSV input file is empty/);
  });
});

describe('splitFiles', () => {
  it('covers each file with contiguous ranges of about partitionBytes', () => {
    expect(splitFiles([{ file: 'a', size: 100 }, { file: 'b', size: 10 }], 40)).toEqual([
      { file: 'a', start: 0, end: 33 }, { file: 'a', start: 33, end: 66 }, { file: 'a', start: 66, end: 100 }, { file: 'b', start: 0, end: 10 },
    ]);
    expect(splitFiles([{ file: 'a', size: 100 }], Infinity)).toEqual([{ file: 'a', start: 0, end: 100 }]);
  });
});
