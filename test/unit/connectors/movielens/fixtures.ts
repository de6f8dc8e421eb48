// Test helper: the same small set of ratings and titles written in each MovieLens format.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const RATINGS = [
  { userId: 1, itemId: 31, rating: 2.5, timestamp: 1260759144n },
  { userId: 1, itemId: 1029, rating: 3, timestamp: 1260759179n },
  { userId: 7, itemId: 31, rating: 4.5, timestamp: 851866703n },
  { userId: 610, itemId: 170875, rating: 0.5, timestamp: 1493846415n },
];

export const TITLES = new Map([[1, 'Toy Story (1995)'], [11, 'American President, The (1995)'], [3, 'Café "Olé" (2001)']]);

/** Writes ml-latest-small, ml-100k and ml-1m style directories under `root`; returns their paths. */
export async function writeMovieLensDirs(root: string): Promise<{ csv: string; tab: string; dat: string }> {
  const csv = path.join(root, 'ml-latest-small');
  const tab = path.join(root, 'ml-100k');
  const dat = path.join(root, 'ml-1m');
  for (const dir of [csv, tab, dat]) await mkdir(dir, { recursive: true });
  const rating = (r: number) => (Number.isInteger(r) ? r.toFixed(1) : String(r));
  await writeFile(path.join(csv, 'ratings.csv'), `userId,movieId,rating,timestamp\n${RATINGS.map((r) => `${r.userId},${r.itemId},${rating(r.rating)},${r.timestamp}`).join('\n')}\n`);
  await writeFile(path.join(tab, 'u.data'), RATINGS.map((r) => `${r.userId}\t${r.itemId}\t${r.rating}\t${r.timestamp}\n`).join(''));
  await writeFile(path.join(dat, 'ratings.dat'), RATINGS.map((r) => `${r.userId}::${r.itemId}::${r.rating}::${r.timestamp}\r\n`).join(''));
  const quoted = (t: string) => (/[",]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t);
  await writeFile(path.join(csv, 'movies.csv'), `movieId,title,genres\n${[...TITLES].map(([id, t]) => `${id},${quoted(t)},Comedy|Drama`).join('\n')}\n`);
  await writeFile(path.join(tab, 'u.item'), Buffer.from([...TITLES].map(([id, t]) => `${id}|${t}|01-Jan-1995||http://x/${id}|0|0|1\n`).join(''), 'latin1'));
  await writeFile(path.join(dat, 'movies.dat'), Buffer.from([...TITLES].map(([id, t]) => `${id}::${t}::Animation|Children's\n`).join(''), 'latin1'));
  return { csv, tab, dat };
}
