// The executor's memory of cached partitions (Dataset.cache()): one Arrow table per
// (cacheId, partition). Lost with the executor; the driver then recomputes from lineage.

import type { Table } from 'apache-arrow';

export class BlockStore {
  private readonly tables = new Map<string, Table>();

  get(cacheId: number, partition: number): Table | undefined {
    return this.tables.get(`${cacheId}:${partition}`);
  }

  put(cacheId: number, partition: number, table: Table): void {
    this.tables.set(`${cacheId}:${partition}`, table);
  }

  /** Drops every partition of one cached dataset (Dataset.unpersist()). */
  drop(cacheId: number): void {
    for (const key of [...this.tables.keys()]) if (key.startsWith(`${cacheId}:`)) this.tables.delete(key);
  }

  get size(): number {
    return this.tables.size;
  }
}
