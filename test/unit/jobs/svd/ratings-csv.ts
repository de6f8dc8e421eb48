// Test/bench helper: a MovieLens-style ratings CSV (userId,itemId,rating,...) parsed into an Arrow
// table with typed arrays (one pass over the bytes, no row objects), for files the CSV connector
// might not be ready for.

import { readFileSync } from 'node:fs';
import { Table, makeVector } from 'apache-arrow';

export function readRatingsCsv(file: string): Table {
  const bytes = readFileSync(file);
  let pos = bytes.indexOf(10) + 1; // skip the header line
  let cap = 1 << 16;
  let users = new Int32Array(cap);
  let items = new Int32Array(cap);
  let ratings = new Float64Array(cap);
  let n = 0;
  while (pos < bytes.length) {
    if (n === cap) {
      cap *= 2;
      const u = new Int32Array(cap); u.set(users); users = u;
      const i = new Int32Array(cap); i.set(items); items = i;
      const r = new Float64Array(cap); r.set(ratings); ratings = r;
    }
    let user = 0;
    while (bytes[pos] !== 44) user = user * 10 + bytes[pos++]! - 48;
    pos++;
    let item = 0;
    while (bytes[pos] !== 44) item = item * 10 + bytes[pos++]! - 48;
    pos++;
    const start = pos;
    while (bytes[pos] !== 44 && bytes[pos] !== 10 && pos < bytes.length) pos++;
    ratings[n] = Number(bytes.toString('latin1', start, pos));
    while (pos < bytes.length && bytes[pos] !== 10) pos++;
    pos++;
    users[n] = user;
    items[n] = item;
    n++;
  }
  return new Table({ userId: makeVector(users.slice(0, n)), itemId: makeVector(items.slice(0, n)), rating: makeVector(ratings.slice(0, n)) });
}
