// The generated ratings the ALS benchmarks read (bench/als.ts, bench/recommend.ts): one CSV per size
// under ../bench-data/als (or --data DIR), written by ../shared/anchors/gen_ratings.py when absent
// (never committed).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { ANCHORS, benchDataDir } from './paths.ts';

export const ALS_DATA = benchDataDir('als'); // our own copies: other benchmarks write differently-shaped files beside them

/** gen_ratings.py's arguments per size; 20m is its default (MovieLens-20M's shape). */
export const ALS_SIZES: Record<string, string[]> = {
  '1m': ['--ratings', '1000209', '--users', '6040', '--items', '3706'],
  '10m': ['--ratings', '10000054', '--users', '69878', '--items', '10677'],
  '20m': [],
};

/** The ratings CSV of `size` (userId,itemId,rating,timestamp), generated first when absent. */
export function ensureAlsData(size: string): string {
  if (!ALS_SIZES[size]) throw new Error(`unknown ratings size '${size}': use one of ${Object.keys(ALS_SIZES).join(', ')}`);
  mkdirSync(ALS_DATA, { recursive: true });
  const file = `${ALS_DATA}/ratings-${size}.csv`;
  if (!existsSync(file)) {
    console.log(`generating ${file} with ${ANCHORS}/gen_ratings.py`);
    const r = spawnSync('/usr/bin/python3', [`${ANCHORS}/gen_ratings.py`, file, ...ALS_SIZES[size]], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`gen_ratings.py failed (${r.status}); see ../shared/anchors/README.md`);
  }
  return file;
}
