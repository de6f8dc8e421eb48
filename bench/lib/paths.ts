// Where benchmarks find their inputs, relative to the repository so any checkout works: the peer
// scripts in `../shared/anchors` and generated data under `../bench-data/<bench>` (outside the repo,
// never committed), or the folder given by `--data DIR`.

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The peer scripts (numpy ALS, scipy SVD, DuckDB), beside the repository. */
export const ANCHORS = resolve(REPO_ROOT, '../shared/anchors');

/** The data folder of benchmark `name`: `--data DIR` when given, else `../bench-data/<name>`. */
export function benchDataDir(name: string, argv: string[] = process.argv): string {
  const i = argv.indexOf('--data');
  return i >= 0 && argv[i + 1] ? resolve(argv[i + 1]!) : resolve(REPO_ROOT, '../bench-data', name);
}
