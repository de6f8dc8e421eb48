// Small deterministic ratings for the evaluation tests: user u has 3 + (u % 7) ratings of items
// spread over 40 ids, with timestamps, so users differ in size and some have very few ratings.

import { makeVector } from 'apache-arrow';
import { Table } from 'apache-arrow';

export type FixtureRating = {
  userId: number;
  itemId: number;
  rating: number;
  timestamp: number;
};

export function fixtureRatings(users = 30): FixtureRating[] {
  const rows: FixtureRating[] = [];
  for (let u = 0; u < users; u++) {
    const n = 3 + (u % 7);
    for (let j = 0; j < n; j++) {
      const itemId = (u * 7 + j * 11) % 40;
      rows.push({ userId: u, itemId, rating: 1 + ((u * 3 + j) % 5), timestamp: 1000 + ((j * 37 + u) % 23) * 10 + j });
    }
  }
  return rows;
}

/** The rows as an Arrow table with Int32 ids (Float64 rating and timestamp). */
export function fixtureTable(rows: FixtureRating[]): Table {
  return new Table({
    userId: makeVector(Int32Array.from(rows, (r) => r.userId)),
    itemId: makeVector(Int32Array.from(rows, (r) => r.itemId)),
    rating: makeVector(Float64Array.from(rows, (r) => r.rating)),
    timestamp: makeVector(Float64Array.from(rows, (r) => r.timestamp)),
  });
}

/** "user:item" keys of rows, sorted (for set comparisons). */
export function pairKeys(rows: ReadonlyArray<Record<string, unknown>>, user = 'userId', item = 'itemId'): string[] {
  return rows.map((r) => `${String(r[user])}:${String(r[item])}`).sort();
}

