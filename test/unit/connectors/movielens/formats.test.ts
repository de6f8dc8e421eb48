import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateRatings, locateTitles } from '../../../../connectors/movielens/formats.ts';
import { CsvNotFoundError } from '../../../../connectors/csv/errors.ts';
import { InvalidInputError } from '../../../../engine/errors.ts';
import { writeMovieLensDirs } from './fixtures.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';

const tmp = useTmpDir('ml-formats');

describe('locateRatings / locateTitles', () => {
  it('tell the format of a MovieLens directory from the files it holds', async () => {
    const dirs = await writeMovieLensDirs(tmp());
    expect(await locateRatings(dirs.csv)).toEqual({ file: path.join(dirs.csv, 'ratings.csv'), format: 'csv' });
    expect(await locateRatings(dirs.tab)).toEqual({ file: path.join(dirs.tab, 'u.data'), format: 'u.data' });
    expect(await locateRatings(dirs.dat)).toEqual({ file: path.join(dirs.dat, 'ratings.dat'), format: 'dat' });
    expect(await locateTitles(dirs.tab)).toEqual({ file: path.join(dirs.tab, 'u.item'), format: 'u.data' });
    expect(await locateTitles(dirs.dat)).toEqual({ file: path.join(dirs.dat, 'movies.dat'), format: 'dat' });
  });

  it('tell the format of a file from its name, or take it from the caller', async () => {
    for (const [name, format] of [['u1.base', 'u.data'], ['ua.test', 'u.data'], ['r.dat', 'dat'], ['x.csv', 'csv']] as const) {
      const file = path.join(tmp(), name);
      await writeFile(file, '');
      expect(await locateRatings(file)).toEqual({ file, format });
    }
    const odd = path.join(tmp(), 'ratings.txt');
    await writeFile(odd, '');
    await expect(locateRatings(odd)).rejects.toThrow(/cannot tell the MovieLens format of .*ratings.txt from its name; pass format/);
    expect(await locateRatings(odd, 'dat')).toEqual({ file: odd, format: 'dat' });
  });

  it('fail clearly for a missing path or a directory without MovieLens files', async () => {
    await expect(locateRatings(path.join(tmp(), 'nope'))).rejects.toThrow(CsvNotFoundError);
    await expect(locateRatings(tmp())).rejects.toThrow(/holds no MovieLens ratings file \(looked for ratings.csv, u.data, ratings.dat\)/);
    await expect(locateRatings(tmp(), 'x' as 'csv')).rejects.toThrow(InvalidInputError);
  });
});
