// Parquet read rate: 1M synthetic ratings (4 columns, snappy, 8 row groups) written with the
// engine's generator, then read by the engine on executors (readParquet → mapBatches(touchRatings),
// which reads every value of every column, so nothing is skipped by a count push-down), beside
// parquet-wasm decoding the whole file in this process on one core (readParquet + tableFromIPC).
// Rows/s counts the whole action: planning the scan (footer reads), tasks, and results.

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tableFromIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { writeRatingsParquet } from '../../connectors/generate/ratings.ts';
import { mapSample, summarise, timed } from '../lib/measure.ts';
import type { Sample } from '../lib/measure.ts';
import type { Session } from '../../engine/index.ts';
import { loadFunctions, tempDir, withSession } from '../lib/sessions.ts';
import * as Functions from './functions.ts';

const FUNCTIONS = fileURLToPath(new URL('./functions.ts', import.meta.url));

export interface ParquetOptions {
  master: string;
  ratings: number;
  rowGroupSize: number;
  runs: number;
}

export interface ParquetResult {
  options: ParquetOptions;
  fileBytes: number;
  rowGroups: number;
  /** Rows per second, one value per run. */
  engineRowsPerSec: Sample;
  wasmRowsPerSec: Sample;
}

/** @example const r = await measureParquetRead({ master: 'local[2]', ratings: 1e6, rowGroupSize: 131072, runs: 3 }); */
export async function measureParquetRead(options: ParquetOptions): Promise<ParquetResult> {
  const dir = await tempDir('parquet');
  const fns = await loadFunctions<typeof Functions>(FUNCTIONS).catch(async (error: unknown) => {
    await dir.dispose();
    throw error;
  });
  try {
    const file = join(dir.path, 'ratings.parquet');
    await writeRatingsParquet(file, {
      users: Math.max(1, Math.round(options.ratings / 165)), items: 10_000, ratings: options.ratings, seed: 7, rowGroupSize: options.rowGroupSize,
    });
    const fileBytes = (await stat(file)).size;
    const rowsOf = (table: Table): number => (table.getChild('rows')!.toArray() as Int32Array).reduce((a, b) => a + b, 0);
    const expect = (rows: number, who: string): void => {
      if (rows !== options.ratings) throw new Error(`parquet benchmark: ${who} read ${rows} rows, expected ${options.ratings}`);
    };

    // Engine and parquet-wasm runs alternate, so both see the same machine load.
    let rowGroups = 0;
    const engineRead = (session: Session): Promise<number> => timed(async () => {
      const ratings = await session.readParquet(file);
      rowGroups = ratings.numPartitions;
      expect(rowsOf(await ratings.mapBatches(fns.exports.touchRatings).toTable()), 'the engine');
    });
    const wasmRead = (): Promise<number> => timed(async () => {
      const bytes = await readFile(file);
      const table = tableFromIPC(pw.readParquet(bytes).intoIPCStream());
      expect(rowsOf(Functions.touchRatings(table)), 'parquet-wasm');
    });
    const engineRuns: number[] = [];
    const wasmRuns: number[] = [];
    await withSession(options.master, async (session) => {
      session.useBundle(fns.bundle, fns.loaded);
      await engineRead(session); // warm-ups, not recorded
      await wasmRead();
      for (let run = 0; run < options.runs; run++) {
        engineRuns.push(await engineRead(session));
        wasmRuns.push(await wasmRead());
      }
    });
    const engineMs = summarise(engineRuns);
    const wasmMs = summarise(wasmRuns);

    const perSec = (ms: number): number => options.ratings / (ms / 1e3);
    return { options, fileBytes, rowGroups, engineRowsPerSec: mapSample(engineMs, perSec), wasmRowsPerSec: mapSample(wasmMs, perSec) };
  } finally {
    await fns.dispose();
    await dir.dispose();
  }
}
