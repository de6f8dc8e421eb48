// The ratings the examples and the README run on when no MovieLens directory is given: 100,836
// synthetic MovieLens-small-shaped ratings (610 users, 9,742 items), written once to a Parquet file.

import { existsSync } from 'node:fs';
import { writeRatingsParquet } from './ratings.ts';

/** Where the examples keep the generated set, relative to the working directory. */
export const EXAMPLE_RATINGS_FILE = 'data/ratings.parquet';

/** The shape of ml-latest-small, with a fixed seed: every run of every example sees the same rows. */
const EXAMPLE_RATINGS = { users: 610, items: 9_742, ratings: 100_836, seed: 42, rowGroupSize: 25_000 } as const;

/**
 * Returns `file`, generating the example ratings there first when it does not exist (the write is
 * committed by rename, so an interrupted run leaves no half file that a later run would trust).
 *
 * @example
 * const ratings = await session.readParquet(await exampleRatingsFile());
 */
export async function exampleRatingsFile(file: string = EXAMPLE_RATINGS_FILE): Promise<string> {
  if (!existsSync(file)) {
    console.log(`generating synthetic ratings into ${file}`);
    await writeRatingsParquet(file, EXAMPLE_RATINGS);
  }
  return file;
}
