// Movie titles by id from a MovieLens directory: movies.csv, u.item or movies.dat. These files are
// small (at most a few MB), so they are read whole on the driver (from any storage backend), with
// the general tokenizer.
// Encoding: UTF-8 when the bytes are valid UTF-8, else Latin-1 (u.item and ml-1m's movies.dat).

import { readAllFromUrl, type StorageOptions } from '../storage/resolve.ts';
import { byteSyntax } from '../csv/options.ts';
import { tokenizeAll } from '../csv/tokenize.ts';
import { CsvBadRowError, CsvNotFoundError } from '../csv/errors.ts';
import { locateTitles, type MovieLensFormat } from './formats.ts';

/** The syntax of each format's titles file (u.item is pipe-separated, unlike u.data). */
const TITLES_SYNTAX: Record<MovieLensFormat, { delimiter: string; quote: string | null; header: boolean }> = {
  csv: { delimiter: ',', quote: '"', header: true },
  'u.data': { delimiter: '|', quote: null, header: false },
  dat: { delimiter: '::', quote: null, header: false },
};

/**
 * Reads the id → title map of a MovieLens directory (or of the titles file itself), whichever of
 * the formats it holds. `missing: 'empty'` gives an empty map for a folder without a titles file
 * (ratings only), where callers fall back to ids, instead of an error.
 *
 * @example
 * const titles = await readMovieTitles('/data/ml-latest-small');
 * titles.get(1); // 'Toy Story (1995)'
 * await readMovieTitles('s3://bucket/ml-latest-small/');
 * await readMovieTitles('/data/ml-100k', { missing: 'empty' }); // from u.item
 */
export async function readMovieTitles(dir: string, options: { storage?: StorageOptions; missing?: 'error' | 'empty' } = {}): Promise<Map<number, string>> {
  const located = await locateTitles(dir, options.storage).catch((error: unknown) => {
    if (options.missing === 'empty' && error instanceof CsvNotFoundError) return undefined;
    throw error;
  });
  if (located === undefined) return new Map();
  const { file, format } = located;
  const whole = await readAllFromUrl(file, options.storage);
  const bytes = Buffer.from(whole.buffer, whole.byteOffset, whole.byteLength);
  const encoding = isUtf8(bytes) ? 'utf8' : 'latin1';
  const { delimiter, quote, header } = TITLES_SYNTAX[format];
  const syntax = byteSyntax({ delimiter, quote, encoding });
  const titles = new Map<number, string>();
  let first = true;
  for (const { fields, offset } of tokenizeAll(bytes, syntax)) {
    if (first && header) { first = false; continue; }
    first = false;
    const id = Number(fields[0]);
    if (fields.length < 2 || !Number.isInteger(id)) {
      const line = lineOf(bytes, offset);
      throw new CsvBadRowError(file, line, 'movieId', `${file}:${line}: expected a movie id and a title, got ${JSON.stringify(fields.slice(0, 2))}; is this a MovieLens ${format} titles file?`);
    }
    titles.set(id, fields[1]!);
  }
  return titles;
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function lineOf(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(10); i !== -1 && i < offset; i = bytes.indexOf(10, i + 1)) line++;
  return line;
}
