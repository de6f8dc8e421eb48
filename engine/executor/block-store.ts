// The executor's cached partitions (Dataset.cache()), memory and disk: one Arrow table per
// (cacheId, partition), kept in memory while the store's storage memory lasts, else written as one
// Arrow IPC file to the store's folder (in the application's work directory) and read back on use.
// Lost with the executor; the driver then recomputes from lineage.

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import { decodeIpc, encodeIpc } from '../kernels/ipc.ts';
import { tableBytes } from './memory-budget.ts';

/** What a store holds: partitions, and their bytes in memory (Arrow buffers) and on disk (IPC files). */
export interface CacheStats {
  blocks: number;
  memoryBytes: number;
  diskBytes: number;
}

/** Where `put` kept a partition; undefined when it could not keep it at all (the disk refused it). */
export type CachedIn = { where: 'memory' | 'disk'; bytes: number } | undefined;

export class BlockStore {
  private readonly inMemory = new Map<string, { table: Table; bytes: number }>();
  private readonly onDisk = new Map<string, { path: string; bytes: number }>();
  private memoryBytes = 0;
  private diskBytes = 0;

  /**
   * @param dir folder for the partitions that do not fit (created on first use, removed by `clear`)
   * @param capacityBytes storage memory: bytes of Arrow buffers kept in memory at most
   */
  constructor(readonly dir: string, readonly capacityBytes: number) {}

  /** The partition, from memory or read back from its file; undefined if it is not cached here (or its file is gone). */
  get(cacheId: number, partition: number): Table | undefined {
    const key = `${cacheId}:${partition}`;
    const held = this.inMemory.get(key);
    if (held) return held.table;
    const file = this.onDisk.get(key);
    if (!file) return undefined;
    try {
      return decodeIpc(readFileSync(file.path), `cached partition ${partition} of cache ${cacheId} (${file.path})`);
    } catch {
      // Removed or damaged under us: forget it, the reader recomputes the partition from lineage.
      this.forget(key);
      return undefined;
    }
  }

  /**
   * Keeps `table` in memory if it fits what is left of the storage memory, else on disk. A failed
   * write (disk full) leaves no file and keeps nothing: caching is an optimization, the partition
   * is recomputed when it is needed again.
   *
   * @example store.put(3, 0, table); // { where: 'memory', bytes: 81920 }
   */
  put(cacheId: number, partition: number, table: Table): CachedIn {
    const key = `${cacheId}:${partition}`;
    this.forget(key);
    const bytes = tableBytes(table);
    if (this.memoryBytes + bytes <= this.capacityBytes) {
      this.inMemory.set(key, { table, bytes });
      this.memoryBytes += bytes;
      return { where: 'memory', bytes };
    }
    const path = join(this.dir, `cache-${cacheId}-${partition}.arrow`);
    const partial = `${path}.partial`;
    try {
      mkdirSync(this.dir, { recursive: true });
      const ipc = encodeIpc(table);
      writeFileSync(partial, ipc);
      renameSync(partial, path);
      this.onDisk.set(key, { path, bytes: ipc.byteLength });
      this.diskBytes += ipc.byteLength;
      return { where: 'disk', bytes: ipc.byteLength };
    } catch {
      try { rmSync(partial, { force: true }); } catch { /* the folder itself could not be made */ }
      return undefined;
    }
  }

  /** Drops every partition of one cached dataset, from memory and disk (Dataset.unpersist()). */
  drop(cacheId: number): void {
    const prefix = `${cacheId}:`;
    for (const key of [...this.inMemory.keys(), ...this.onDisk.keys()]) if (key.startsWith(prefix)) this.forget(key);
  }

  /** Drops everything and removes the folder (the application ended). */
  clear(): void {
    for (const key of [...this.inMemory.keys(), ...this.onDisk.keys()]) this.forget(key);
    rmSync(this.dir, { recursive: true, force: true });
  }

  get size(): number {
    return this.inMemory.size + this.onDisk.size;
  }

  get stats(): CacheStats {
    return { blocks: this.size, memoryBytes: this.memoryBytes, diskBytes: this.diskBytes };
  }

  private forget(key: string): void {
    const held = this.inMemory.get(key);
    if (held) {
      this.inMemory.delete(key);
      this.memoryBytes -= held.bytes;
    }
    const file = this.onDisk.get(key);
    if (file) {
      this.onDisk.delete(key);
      this.diskBytes -= file.bytes;
      rmSync(file.path, { force: true });
    }
  }
}
