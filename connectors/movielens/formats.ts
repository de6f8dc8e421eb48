// The MovieLens file formats, and how to tell which one a path holds. GroupLens has published the
// same ratings in three shapes over the years:
//
//   'csv'      ml-latest(-small), ml-20m, ml-25m, ml-32m   ratings.csv   userId,movieId,rating,timestamp (header)
//                                                         movies.csv    movieId,title,genres (quoted, UTF-8)
//   'u.data'   ml-100k                                    u.data        user \t item \t rating \t timestamp
//                                                         u.item        id|title|date|...|19 genre flags (Latin-1)
//   'dat'      ml-1m, ml-10m                              ratings.dat   UserID::MovieID::Rating::Timestamp
//                                                         movies.dat    MovieID::Title::Genres (Latin-1 in ml-1m)
//
// Paths may be local or URLs: `s3://bucket/ml-latest-small/` (a prefix; the format is told by which
// of the files above exists below it) or `https://host/ml-1m/ratings.dat`.

import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { storageFor, type StorageOptions } from '../storage/resolve.ts';
import { canonicalLocation } from '../storage/shipping.ts';
import { baseName, isUrl, joinLocation } from '../storage/url.ts';
import { CsvNotFoundError } from '../csv/errors.ts';
import type { CsvOptions } from '../csv/options.ts';
import { InvalidInputError } from '../../engine/errors.ts';

export type MovieLensFormat = 'csv' | 'u.data' | 'dat';

export const MOVIELENS_FORMATS: readonly MovieLensFormat[] = ['csv', 'u.data', 'dat'];

/** The text syntax of each format's files. */
export const MOVIELENS_SYNTAX: Record<MovieLensFormat, Pick<CsvOptions, 'delimiter' | 'quote' | 'header'>> = {
  csv: { delimiter: ',', quote: '"', header: true },
  'u.data': { delimiter: '\t', quote: null, header: false },
  dat: { delimiter: '::', quote: null, header: false },
};

const RATINGS_FILE: Record<MovieLensFormat, string> = { csv: 'ratings.csv', 'u.data': 'u.data', dat: 'ratings.dat' };
const TITLES_FILE: Record<MovieLensFormat, string> = { csv: 'movies.csv', 'u.data': 'u.item', dat: 'movies.dat' };

/**
 * The ratings file of `pathOrDir` and its format: a MovieLens directory (the format is told by the
 * file it holds) or a ratings file (told by its name: *.csv, u.data / u1.base / *.data, *.dat).
 *
 * @example
 * await locateRatings('/data/ml-1m');            // { file: '/data/ml-1m/ratings.dat', format: 'dat' }
 * await locateRatings('/data/ml-100k/u1.base');  // { file: '/data/ml-100k/u1.base', format: 'u.data' }
 */
export async function locateRatings(pathOrDir: string, format?: MovieLensFormat, storage?: StorageOptions): Promise<{ file: string; format: MovieLensFormat }> {
  if (format !== undefined && !MOVIELENS_FORMATS.includes(format)) {
    throw new InvalidInputError(`MovieLens format must be one of ${MOVIELENS_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  }
  const target = canonicalLocation(pathOrDir);
  if (isUrl(target)) return locateRemote(target, RATINGS_FILE, format, 'ratings', storage);
  if (!(await isDirectory(target))) {
    const detected = format ?? formatOfFileName(target);
    if (detected === undefined) {
      throw new InvalidInputError(`cannot tell the MovieLens format of ${target} from its name; pass format: 'csv' (ratings.csv), 'u.data' (ml-100k) or 'dat' (ml-1m/ml-10m)`);
    }
    return { file: target, format: detected };
  }
  return { file: await findIn(target, RATINGS_FILE, format, 'ratings'), format: format ?? (await formatOfDirectory(target, RATINGS_FILE))! };
}

/** The titles file (movies.csv, u.item or movies.dat) of a MovieLens directory, or the file given. */
export async function locateTitles(pathOrDir: string, storage?: StorageOptions): Promise<{ file: string; format: MovieLensFormat }> {
  const target = canonicalLocation(pathOrDir);
  if (isUrl(target)) return locateRemote(target, TITLES_FILE, undefined, 'titles', storage);
  if (!(await isDirectory(target))) {
    const name = path.basename(target);
    const format = name === 'u.item' ? 'u.data' : formatOfFileName(target);
    if (format === undefined) throw new InvalidInputError(`cannot tell the MovieLens format of ${target}; expected movies.csv, u.item or movies.dat`);
    return { file: target, format };
  }
  const file = await findIn(target, TITLES_FILE, undefined, 'titles');
  return { file, format: (await formatOfDirectory(target, TITLES_FILE))! };
}

/**
 * The same for a URL. Object stores and web servers have no folders to ask about, so: a location
 * ending in '/' is a folder; otherwise an existing object is a file, and anything else a folder,
 * in which each format's file name is tried in turn.
 */
async function locateRemote(
  target: string, names: Record<MovieLensFormat, string>, format: MovieLensFormat | undefined, what: string, options: StorageOptions | undefined,
): Promise<{ file: string; format: MovieLensFormat }> {
  const storage = storageFor(target, options);
  if (!target.endsWith('/') && (await storage.exists(target))) {
    const name = baseName(target);
    const detected = format ?? (what === 'titles' && name === 'u.item' ? 'u.data' : formatOfFileName(target));
    if (detected === undefined) {
      throw new InvalidInputError(`cannot tell the MovieLens format of ${target} from its name; pass format: 'csv' (ratings.csv), 'u.data' (ml-100k) or 'dat' (ml-1m/ml-10m)`);
    }
    return { file: target, format: detected };
  }
  const candidates = format !== undefined ? [format] : MOVIELENS_FORMATS;
  for (const f of candidates) {
    const file = joinLocation(target, names[f]);
    if (await storage.exists(file)) return { file, format: f };
  }
  throw new CsvNotFoundError(
    `${target} is neither a MovieLens ${what} file nor a folder holding one (looked for ${candidates.map((f) => names[f]).join(', ')} below it); ` +
      'check the URL, or point at the file itself',
  );
}

function formatOfFileName(file: string): MovieLensFormat | undefined {
  const name = baseName(file).toLowerCase();
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.dat')) return 'dat';
  if (name.endsWith('.data') || /^u[0-9ab]?\.(base|test)$/.test(name)) return 'u.data';
  return undefined;
}

async function formatOfDirectory(dir: string, names: Record<MovieLensFormat, string>): Promise<MovieLensFormat | undefined> {
  const entries = new Set(await readdir(dir));
  return MOVIELENS_FORMATS.find((f) => entries.has(names[f]));
}

async function findIn(dir: string, names: Record<MovieLensFormat, string>, format: MovieLensFormat | undefined, what: string): Promise<string> {
  const found = format ?? (await formatOfDirectory(dir, names));
  const file = found === undefined ? undefined : path.join(dir, names[found]);
  if (file === undefined || !(await exists(file))) {
    const wanted = (format ? [names[format]] : MOVIELENS_FORMATS.map((f) => names[f])).join(', ');
    throw new CsvNotFoundError(`${dir} holds no MovieLens ${what} file (looked for ${wanted}); point at a MovieLens directory such as ml-latest-small, ml-100k or ml-1m, or at the file itself`);
  }
  return file;
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch (err) {
    throw new CsvNotFoundError(`MovieLens input ${p} does not exist`, { cause: err });
  }
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}
