// `dataflow generate ratings OUT`: synthetic MovieLens-shaped ratings as Parquet, deterministic
// for a seed, so examples and benchmarks run with no download.

import type { CommandModule } from 'yargs';
import { InvalidInputError } from '../errors.ts';

interface GenerateArgs { what: string; out: string; users: number; items: number; ratings: number; seed: number }

export const generateCommand: CommandModule<object, GenerateArgs> = {
  command: 'generate <what> <out>',
  describe: 'generate a dataset (what: ratings) into a Parquet file',
  builder: (y) => y
    .positional('what', { type: 'string', choices: ['ratings'], demandOption: true })
    .positional('out', { type: 'string', demandOption: true, describe: 'output .parquet file' })
    .option('users', { type: 'number', default: 610 })
    .option('items', { type: 'number', default: 9_742 })
    .option('ratings', { type: 'number', default: 100_836 })
    .option('seed', { type: 'number', default: 42 })
    .example('$0 generate ratings data/ratings.parquet --ratings 1000000', 'one million ratings') as never,
  handler: async (a) => {
    for (const key of ['users', 'items', 'ratings'] as const) {
      if (!Number.isInteger(a[key]) || a[key] < 1) throw new InvalidInputError(`--${key} must be a positive integer, got ${a[key]}`);
    }
    const started = performance.now();
    const { writeRatingsParquet } = await import('../../connectors/generate/ratings.ts');
    await writeRatingsParquet(a.out, { users: a.users, items: a.items, ratings: a.ratings, seed: a.seed });
    process.stderr.write(`wrote ${a.ratings} ratings to ${a.out} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  },
};
