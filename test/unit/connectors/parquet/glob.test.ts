import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandGlob, isGlob, segmentRegex } from '../../../../connectors/parquet/glob.ts';
import { useTmpDir } from './tmp-dir.ts';

const tmp = useTmpDir('parquet-glob');

async function touch(root: string, ...files: string[]): Promise<void> {
  for (const f of files) {
    await mkdir(path.dirname(path.join(root, f)), { recursive: true });
    await writeFile(path.join(root, f), '');
  }
}

describe('expandGlob', () => {
  it('matches *, ? and ** and reports the folder before the first wildcard', async () => {
    const root = tmp();
    await touch(root, 'a.parquet', 'b.parquet', 'ab.txt', 'year=2023/m=1/x.parquet', 'year=2024/m=2/y.parquet', 'year=2024/z.parquet', '_SUCCESS', '.hidden.parquet', '_tmp/q.parquet');
    const rel = (r: { matches: string[] }) => r.matches.map((m) => path.relative(root, m));

    const stars = await expandGlob(path.join(root, '*.parquet'));
    expect(stars.base).toBe(root);
    expect(rel(stars)).toEqual(['a.parquet', 'b.parquet']);
    expect(rel(await expandGlob(path.join(root, '?.parquet')))).toEqual(['a.parquet', 'b.parquet']);
    expect(rel(await expandGlob(path.join(root, 'year=*/m=*/*.parquet')))).toEqual(['year=2023/m=1/x.parquet', 'year=2024/m=2/y.parquet']);
    expect(rel(await expandGlob(path.join(root, 'year=2024/*')))).toEqual(['year=2024/m=2', 'year=2024/z.parquet']);
    expect((await expandGlob(path.join(root, 'year=2024/*'))).base).toBe(path.join(root, 'year=2024'));
    expect(rel(await expandGlob(path.join(root, '**/*.parquet')))).toEqual([
      'a.parquet', 'b.parquet', 'year=2023/m=1/x.parquet', 'year=2024/m=2/y.parquet', 'year=2024/z.parquet',
    ]);
    expect(rel(await expandGlob(path.join(root, '_*')))).toEqual(['_SUCCESS', '_tmp']);
    expect(rel(await expandGlob(path.join(root, 'nothing-*')))).toEqual([]);
  });

  it('treats regex characters in names literally', () => {
    expect(segmentRegex('a+b(1).parquet').test('a+b(1).parquet')).toBe(true);
    expect(segmentRegex('a.parquet').test('aXparquet')).toBe(false);
    expect(isGlob('/data/x.parquet')).toBe(false);
    expect(isGlob('/data/*.parquet')).toBe(true);
  });
});
