// cache() is memory-and-disk: with a storage memory of a few hundred KB per executor the cached
// partitions that do not fit are written to the executors' work directories and read back on use
// (the same rows, not a recomputation), on local and local[2]; metrics and executor stats report
// the bytes in memory and on disk; unpersist() and the session's end remove the files.

import { describe, expect, it } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from '../../engine/index.ts';

const TINY = 'dataflow.executor.memory=512k'; // 0.2 × 512 KB ≈ 100 KB of storage memory per executor thread
const ROWS = 40_000;

/**
 * Cache files anywhere under a session's work directory. Executors remove files while this walks
 * (after unpersist()), so an entry gone between readdir and stat is simply not there.
 */
function cacheFiles(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try { entries = readdirSync(dir); } catch { return out; }
  for (const entry of entries) {
    const path = join(dir, entry);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) out.push(...cacheFiles(path));
    else if (stat && /^cache-\d+-\d+\.arrow/.test(entry)) out.push(path);
  }
  return out;
}

async function within(ms: number, ok: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

describe.each(['local', 'local[2]'])('cache() beyond storage memory on %s', (master) => {
  it('lands on disk, reads back the same rows, and unpersist() and the session end remove the files', async () => {
    const session = await Session.create({ master, conf: [TINY, 'dataflow.ui.progress=false'] });
    const workDir = session.workDir;
    try {
      // Math.random() makes a recomputation visible: only the cached rows repeat exactly.
      // 16 partitions of about 60 KB (2,500 rows × 3 Float64): the first one a thread caches fits
      // its ~100 KB, the next ones go to disk.
      const cached = session.range(0, ROWS, { numPartitions: 16 })
        .map((r) => ({ id: r.id, k: r.id % 97, noise: Math.random() }))
        .cache();
      const first = await cached.collect();
      const metrics = session.lastJobMetrics!;
      expect(first).toHaveLength(ROWS);
      expect(metrics.cachedDiskBytes, JSON.stringify(metrics)).toBeGreaterThan(0);
      expect(metrics.cachedMemoryBytes, JSON.stringify(metrics)).toBeGreaterThan(0);
      expect(metrics.cachedMemoryBytes).toBeLessThanOrEqual((master === 'local' ? 1 : 2) * 0.2 * 512 * 1024);
      expect(metrics.stages.reduce((s, st) => s + st.cachedDiskBytes, 0)).toBe(metrics.cachedDiskBytes);
      expect(cacheFiles(workDir).length).toBeGreaterThan(0);
      const onDisk = cacheFiles(workDir).reduce((s, f) => s + statSync(f).size, 0);
      expect(onDisk).toBe(metrics.cachedDiskBytes);

      const stats = await session.driver.executorStats();
      expect(stats.reduce((s, e) => s + e.cachedDiskBytes, 0)).toBe(metrics.cachedDiskBytes);
      expect(stats.reduce((s, e) => s + e.cachedMemoryBytes, 0)).toBe(metrics.cachedMemoryBytes);
      expect(stats.reduce((s, e) => s + e.cachedBlocks, 0)).toBe(16);

      // Read back, by the same and by a shuffled job: identical rows, nothing recomputed.
      expect(await cached.collect()).toEqual(first);
      expect(session.lastJobMetrics!.cachedDiskBytes + session.lastJobMetrics!.cachedMemoryBytes).toBe(0);
      const byKey = await cached.map((r) => ({ k: r.k })).distinct({ numPartitions: 2 }).count();
      expect(byKey).toBe(97);
      const sums = await cached.reduce((a, b) => ({ id: a.id + b.id, k: 0, noise: a.noise + b.noise }));
      expect(sums!.noise).toBeCloseTo(first.reduce((s, r) => s + Number(r.noise), 0), 6);

      cached.unpersist();
      await within(10_000, () => cacheFiles(workDir).length === 0);
      expect(cacheFiles(workDir)).toEqual([]);
      const after = await session.driver.executorStats();
      expect(after.reduce((s, e) => s + e.cachedDiskBytes + e.cachedMemoryBytes + e.cachedBlocks, 0)).toBe(0);

      // A second cache left in place is removed with the application.
      const again = session.range(0, ROWS, { numPartitions: 4 }).map((r) => ({ id: r.id, x: r.id * 2 })).cache();
      expect(await again.count()).toBe(ROWS);
      expect(session.lastJobMetrics!.cachedDiskBytes).toBeGreaterThan(0);
      expect(cacheFiles(workDir).length).toBeGreaterThan(0);
    } finally {
      await session.stop();
    }
    expect(cacheFiles(workDir)).toEqual([]);
  }, 120_000);
});
