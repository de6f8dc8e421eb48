import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandGlob, isGlob, matchSegments, segmentRegex } from '../../../../connectors/parquet/glob.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';

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

  it('matchSegments applies the same rules to listed paths (object stores)', () => {
    const m = (pattern: string, rel: string, lastIsFile = true) => matchSegments(pattern.split('/'), rel.split('/'), lastIsFile);
    expect(m('*.parquet', 'a.parquet')).toBe(true);
    expect(m('*.parquet', 'ab.txt')).toBe(false);
    expect(m('?.parquet', 'ab.parquet')).toBe(false);
    expect(m('year=*/m=*/*.parquet', 'year=2023/m=1/x.parquet')).toBe(true);
    expect(m('year=*/m=*/*.parquet', 'year=2024/z.parquet')).toBe(false);
    expect(m('year=2024/*', 'year=2024/m=2', false)).toBe(true); // a folder prefix of a listed key
    expect(m('**/*.parquet', 'a.parquet')).toBe(true);
    expect(m('**/*.parquet', 'year=2023/m=1/x.parquet')).toBe(true);
    expect(m('**/*.parquet', '_tmp/q.parquet')).toBe(false); // ** does not enter hidden folders
    expect(m('*', '_SUCCESS')).toBe(false);
    expect(m('_*', '_SUCCESS')).toBe(true);
    expect(m('**', 'a.parquet')).toBe(false); // ** crosses folders, it does not match files
    expect(m('**', 'year=2023', false)).toBe(true);
  });
});
