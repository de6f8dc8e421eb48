import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMovieTitles } from '../../../../connectors/movielens/titles.ts';
import { CsvBadRowError } from '../../../../connectors/csv/errors.ts';
import { TITLES, writeMovieLensDirs } from './fixtures.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';
import { ML_LATEST_SMALL, hasMlLatestSmall } from '../../../helpers/movielens.ts';

const tmp = useTmpDir('ml-titles');

describe('readMovieTitles', () => {
  it('reads movies.csv (quoted, UTF-8), u.item (pipes, Latin-1) and movies.dat (::, Latin-1) alike', async () => {
    const dirs = await writeMovieLensDirs(tmp());
    for (const dir of [dirs.csv, dirs.tab, dirs.dat]) expect(await readMovieTitles(dir), dir).toEqual(TITLES);
  });

  it("gives an empty map for a folder without titles when told missing: 'empty', and an error otherwise", async () => {
    const dir = path.join(tmp(), 'ratings-only');
    await mkdir(dir);
    await writeFile(path.join(dir, 'u.data'), '1\t2\t3\t4\n');
    expect(await readMovieTitles(dir, { missing: 'empty' })).toEqual(new Map());
    await expect(readMovieTitles(dir)).rejects.toThrow(/holds no MovieLens titles file \(looked for movies\.csv, u\.item, movies\.dat\)/);
  });

  it('names the file and line of a line that has no id', async () => {
    const file = path.join(tmp(), 'movies.dat');
    await writeFile(file, '1::A (1995)::Drama\nnot a line\n');
    const error = await readMovieTitles(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvBadRowError);
    expect((error as Error).message).toContain(`${file}:2: expected a movie id and a title`);
  });

  const real = ML_LATEST_SMALL;
  it.skipIf(!hasMlLatestSmall('reading the real ml-latest-small titles'))('reads the real ml-latest-small movies.csv', async () => {
    const titles = await readMovieTitles(real);
    expect(titles.size).toBe(9_742);
    expect(titles.get(1)).toBe('Toy Story (1995)');
    expect(titles.get(11)).toBe('American President, The (1995)');
  });
});
