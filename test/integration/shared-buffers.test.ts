// Tables whose columns share or overlap one buffer, sliced (as jobs/als/model.ts builds them), cross
// every path that ships a table between processes on local[2] — an in-memory source sent by the
// driver, shuffle blocks, collect and take results — and arrive equal to the in-process run; a
// shuffle block that does not decode is a fetch failure, its map output recomputed.

import { describe, expect, it } from 'vitest';
import { readdirSync, openSync, writeSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Table, makeVector } from 'apache-arrow';
import { Session } from '../../engine/index.ts';
import type { Row } from '../../engine/index.ts';
import { sharedBufferKernels } from '../fixtures/shared-buffer-kernels.ts';
import { commandsOf } from '../helpers/cluster.ts';

const byKey = (rows: Row[]): Row[] => [...rows].sort((a, b) => Number(a.key) - Number(b.key) || Number(a.v) - Number(b.v));

/** key and a are one Int32Array; the table is sliced, so every partition is a slice of shared buffers. */
function sharedSource(): Table {
  const ids = Int32Array.from({ length: 3000 }, (_, i) => (i * 7) % 1000);
  const head = ids.subarray(0, 2000);
  return new Table({ key: makeVector(head), a: makeVector(head), b: makeVector(ids.subarray(1000, 3000)) }).slice(300, 1900);
}

async function shipEverywhere(master: string): Promise<Record<string, Row[]>> {
  const session = await Session.create({ master, conf: ['dataflow.ui.progress=false'] });
  try {
    const source = session.fromTable(sharedSource(), { numPartitions: 3 });
    const twin = sharedBufferKernels.twinColumns;
    const twins = source.mapBatches((b) => twin(b), { twin });
    return {
      source: await source.collect(),
      shuffled: byKey(await twins.repartition(['key'], { numPartitions: 2 }).collect()),
      collected: await twins.collect(),
      taken: await twins.take(700),
    };
  } finally {
    await session.stop();
  }
}

describe('tables with shared buffers on local[2]', () => {
  it('survive the in-memory source, a shuffle, collect and take, equal to local', async () => {
    const local = await shipEverywhere('local');
    const cluster = await shipEverywhere('local[2]');
    expect(local.source).toHaveLength(1600);
    expect(local.source[0]).toEqual({ key: 100, a: 100, b: 100 });
    expect(local.source[1]).toEqual({ key: 107, a: 107, b: 107 });
    expect(local.shuffled.every((r) => r.key === r.twin)).toBe(true);
    expect(local.taken).toHaveLength(700);
    expect(cluster).toEqual(local);
  }, 120_000);

  it('a shuffle block that does not decode is a fetch failure: the map output is recomputed', async () => {
    // Map outputs in files (not kept in executor memory), so the test can damage them.
    const session = await Session.create({ master: 'local[2]', conf: ['dataflow.ui.progress=false', 'dataflow.shuffle.memoryOutputBytes=0'] });
    try {
      const twin = sharedBufferKernels.twinColumns;
      const shuffled = session.fromTable(sharedSource(), { numPartitions: 2 })
        .mapBatches((b) => twin(b), { twin })
        .repartition(['key'], { numPartitions: 1 });
      const expected = byKey(await shuffled.collect());
      // Damage the IPC header of every block (one reduce partition: each data file is its schema
      // message then one block).
      const files = findFiles(session.workDir, /^shuffle_.*\.data$/);
      expect(files.length).toBe(2);
      for (const file of files) {
        expect(statSync(file).size).toBeGreaterThan(64);
        const fd = openSync(file, 'r+');
        writeSync(fd, Buffer.alloc(16, 0x7f), 0, 16, 0);
        closeSync(fd);
      }
      expect(byKey(await shuffled.collect())).toEqual(expected);
      const reruns = commandsOf(session, 'StageResubmitted');
      expect(reruns.length).toBeGreaterThan(0);
      expect(reruns[0]!.because).toMatchObject({ kind: 'FetchFailed', message: expect.stringMatching(/does not decode/) });
    } finally {
      await session.stop();
    }
  }, 120_000);
});

function findFiles(dir: string, name: RegExp): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findFiles(path, name));
    else if (name.test(entry.name)) out.push(path);
  }
  return out;
}
