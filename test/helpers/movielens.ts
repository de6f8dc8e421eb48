// MovieLens for tests: where the real ml-latest-small is (`../shared/data/ml-latest-small` beside the
// repository, resolved from its root; its research license keeps it out of the repo), and generated
// ratings written as a MovieLens folder in each published layout.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateRatings } from '../../index.ts';
import { ROOT } from './cli.ts';

/** ml-latest-small, beside the repository. */
export const ML_LATEST_SMALL = join(ROOT, '..', 'shared', 'data', 'ml-latest-small');

/** True when ml-latest-small is present; otherwise prints why `what` is skipped and returns false. */
export function hasMlLatestSmall(what: string): boolean {
  if (existsSync(join(ML_LATEST_SMALL, 'ratings.csv'))) return true;
  console.log(`skipping ${what}: ${ML_LATEST_SMALL} is absent (place MovieLens ml-latest-small there to run it)`);
  return false;
}

/** A MovieLens folder layout: ml-latest-small style (csv), ml-100k (u.data) or ml-1m (dat). */
export type MovieLensLayout = 'csv' | 'u.data' | 'dat';

/** The generated title of item `id`: non-ASCII (é) and a comma, so encodings and quoting are exercised. */
export const generatedTitle = (id: number): string => `Café, film n°${id} (${1950 + (id % 60)})`;

/**
 * Writes generated MovieLens-shaped ratings (and a title for every item) into `dir` in the files
 * of `layout`: ratings.csv + movies.csv (UTF-8, quoted), u.data + u.item ('|', Latin-1), or
 * ratings.dat + movies.dat ('::', Latin-1). Returns `dir`.
 */
export function writeGeneratedMovieLens(dir: string, layout: MovieLensLayout, shape: { users: number; items: number; ratings: number; seed: number }): string {
  const table = generateRatings(shape);
  const column = (name: string) => table.getChild(name)!.toArray() as ArrayLike<number | bigint>;
  const [users, items, ratings, times] = [column('userId'), column('itemId'), column('rating'), column('timestamp')];
  const lines: string[] = [];
  const itemIds = new Set<number>();
  for (let i = 0; i < table.numRows; i++) {
    const fields = [users[i], items[i], ratings[i], times[i]].map(String);
    lines.push(layout === 'csv' ? fields.join(',') : layout === 'u.data' ? fields.join('\t') : fields.join('::'));
    itemIds.add(Number(items[i]));
  }
  const ids = [...itemIds].sort((a, b) => a - b);
  mkdirSync(dir, { recursive: true });
  if (layout === 'csv') {
    writeFileSync(join(dir, 'ratings.csv'), `userId,movieId,rating,timestamp\n${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'movies.csv'), `movieId,title,genres\n${ids.map((id) => `${id},"${generatedTitle(id)}",Drama`).join('\n')}\n`);
  } else if (layout === 'u.data') {
    writeFileSync(join(dir, 'u.data'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'u.item'), Buffer.from(ids.map((id) => `${id}|${generatedTitle(id)}|01-Jan-1995||http://x/${id}|0|1|0\n`).join(''), 'latin1'));
  } else {
    writeFileSync(join(dir, 'ratings.dat'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'movies.dat'), Buffer.from(ids.map((id) => `${id}::${generatedTitle(id)}::Drama\n`).join(''), 'latin1'));
  }
  return dir;
}
