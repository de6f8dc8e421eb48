// Where tests find the MovieLens data: `../shared/data/ml-latest-small` beside the repository (its
// research license keeps it out of the repo), resolved from the repository root, never a machine path.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.ts';

/** ml-latest-small, beside the repository. */
export const ML_LATEST_SMALL = join(ROOT, '..', 'shared', 'data', 'ml-latest-small');

/** True when ml-latest-small is present; otherwise prints why `what` is skipped and returns false. */
export function hasMlLatestSmall(what: string): boolean {
  if (existsSync(join(ML_LATEST_SMALL, 'ratings.csv'))) return true;
  console.log(`skipping ${what}: ${ML_LATEST_SMALL} is absent (place MovieLens ml-latest-small there to run it)`);
  return false;
}
