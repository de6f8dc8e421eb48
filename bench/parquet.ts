// Parquet at full size: a 20M-rating file (../shared/anchors/gen_ratings.py converted to snappy
// Parquet by ../shared/anchors/duckdb.mjs, ~163 row groups) read into the engine, written back, and
// the ratings-statistics job (per-item count and mean, top 10, as examples/ratings-stats.ts), each
// beside DuckDB on the same file in the same run.
//
//   npx tsx bench/parquet.ts [--master local[2]] [--runs 3] [--ratings 20000263] [--data ../bench-data/parquet]
//
// The data is generated under ../bench-data/parquet (outside the repo) when absent. Our figures
// exclude session start-up (executors stay up, as in a job), DuckDB's exclude its instance start.

import { ensurePythonPeers } from './lib/python-peers.ts';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { count, mean } from '../engine/index.ts';
import type { Session } from '../engine/index.ts';
import { fmt, machineInfo, markdownTable, writeResults } from './lib/report.ts';
import type { TableRow } from './lib/report.ts';
import { repeat, summarise, timed } from './lib/measure.ts';
import type { Sample } from './lib/measure.ts';
import { cleanUpOnSignal, stageSpans, stampCommands, withSession } from './lib/sessions.ts';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const ANCHORS = path.resolve(REPO_ROOT, '../shared/anchors');

interface Options { master: string; runs: number; ratings: number; data: string }

function parseOptions(argv: string[]): Options {
  const options: Options = { master: 'local[2]', runs: 3, ratings: 20_000_263, data: path.resolve(REPO_ROOT, '../bench-data/parquet') };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`bench parquet: ${flag} needs a value`);
      return v;
    };
    if (flag === '--master') options.master = value();
    else if (flag === '--runs') options.runs = Number(value());
    else if (flag === '--ratings') options.ratings = Number(value());
    else if (flag === '--data') options.data = path.resolve(value());
    else if (flag === '--quick') options.ratings = 2_000_000;
    else throw new Error(`bench parquet: unknown option ${flag} (known: --master, --runs, --ratings, --data, --quick)`);
  }
  if (!Number.isInteger(options.runs) || options.runs < 1) throw new Error(`bench parquet: --runs must be a positive integer, got ${options.runs}`);
  return options;
}

/** The ratings Parquet file for `ratings` rows, generated (CSV by gen_ratings.py, then DuckDB convert) if absent. */
function ensureRatings(options: Options): string {
  const name = options.ratings === 20_000_263 ? 'ratings-20m' : `ratings-${options.ratings}`;
  const parquet = path.join(options.data, `${name}.parquet`);
  if (existsSync(parquet)) return parquet;
  const csv = path.join(options.data, `${name}.csv`);
  console.log(`generating ${options.ratings} ratings into ${parquet} (gen_ratings.py, then duckdb.mjs convert; about a minute for 20M)`);
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { cwd: REPO_ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`bench parquet: ${cmd} ${args.join(' ')} failed (exit ${r.status}); see ../shared/anchors/README.md for the Python packages it needs`);
  };
  mkdirSync(options.data, { recursive: true });
  ensurePythonPeers();
  run('/usr/bin/python3', [path.join(ANCHORS, 'gen_ratings.py'), csv, '--ratings', String(options.ratings)]);
  run(process.execPath, [path.join(ANCHORS, 'duckdb.mjs'), 'convert', csv, parquet]);
  rmSync(csv, { force: true });
  return parquet;
}

/** Runs `node duckdb.mjs <cmd> <file>` and returns its JSON line (its own timing, in ms). */
function duckdbAnchor(cmd: 'read' | 'groupby', file: string): { ms: number; top?: string[][] } {
  const r = spawnSync(process.execPath, [path.join(ANCHORS, 'duckdb.mjs'), cmd, file], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`duckdb.mjs ${cmd} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; top?: string[][] };
}

interface DuckConnection { run(sql: string): Promise<unknown> }
async function duckdbConnection(): Promise<DuckConnection> {
  const { DuckDBInstance } = createRequire(path.join(REPO_ROOT, 'package.json'))('@duckdb/node-api') as {
    DuckDBInstance: { create(p: string): Promise<{ connect(): Promise<DuckConnection> }> };
  };
  return (await DuckDBInstance.create(':memory:')).connect();
}

/** The ratings-statistics job of examples/ratings-stats.ts: per-item count and mean, top 10 by count. */
async function ratingsStats(session: Session, file: string, numPartitions?: number): Promise<Array<{ itemId: unknown; count: unknown }>> {
  const ratings = await session.readParquet(file, { columns: ['itemId', 'rating'] });
  const stats = ratings.aggregateByKey(['itemId'], { count: count(), mean: mean('rating') }, { numPartitions });
  const top = await stats.sortBy([{ column: 'count', ascending: false }, { column: 'itemId', ascending: true }], { numPartitions }).take(10);
  return top.map((r) => ({ itemId: r.itemId, count: r.count }));
}

async function main(): Promise<void> {
  cleanUpOnSignal();
  const options = parseOptions(process.argv.slice(2));
  const file = ensureRatings(options);
  const out = path.join(options.data, 'written-by-bench');
  const rowsPerSec = (rows: number, ms: number) => rows / (ms / 1e3);
  const rate = (rows: number, s: Sample) => `${fmt(rowsPerSec(rows, s.min) / 1e6)} M rows/s (best; median ${fmt(rowsPerSec(rows, s.median) / 1e6)})`;

  let rows = 0;
  let partitions = 0;
  let top: Array<{ itemId: unknown; count: unknown }> = [];
  let duckTop: string[][] = [];
  const duckStatsRuns: number[] = [];
  // Where a run's time goes: each stage's span (StageSubmitted to StageCompleted) and the rest.
  const phases: Array<{ stages: number[]; rest: number }> = [];
  const loadAtStart = machineInfo().loadAverage as number[];
  const ours = await withSession(options.master, async (session) => {
    const read = await repeat(options.runs, () => timed(async () => {
      const ds = await session.readParquet(file, { columns: ['userId', 'itemId', 'rating'] });
      partitions = ds.numPartitions;
      rows = await ds.count();
    }), 1);
    const write = await repeat(options.runs, () => timed(async () => {
      const ds = await session.readParquet(file);
      await ds.writeParquet(out, { mode: 'overwrite' });
    }));
    // DuckDB's groupby runs right after each of ours (the executors idle meanwhile), so both see
    // the same machine load; the first pair warms up both and is not recorded.
    const stats = await repeat(options.runs, async (run) => {
      const log = stampCommands(session);
      const ms = await timed(async () => {
        top = await ratingsStats(session, file);
      });
      const spans = stageSpans(log).map((s) => s.ms);
      if (run >= 0) phases.push({ stages: spans, rest: ms - spans.reduce((a, b) => a + b, 0) });
      const duck = duckdbAnchor('groupby', file);
      duckTop = duck.top ?? [];
      if (run >= 0) duckStatsRuns.push(duck.ms);
      return ms;
    }, 1);
    // The same job with 8 shuffle partitions asked for instead of the default (chosen from the input).
    const stats8 = await repeat(options.runs, () => timed(async () => {
      await ratingsStats(session, file, 8);
    }));
    return { read, write, stats, stats8 };
  });
  await rm(out, { recursive: true, force: true });

  const duckRead = await repeat(options.runs, async () => duckdbAnchor('read', file).ms);
  const duckStats = summarise(duckStatsRuns);
  const duck = await duckdbConnection();
  await mkdir(options.data, { recursive: true });
  const duckOut = path.join(options.data, 'written-by-duckdb.parquet');
  const duckWrite = await repeat(options.runs, () => timed(() => duck.run(`COPY (SELECT * FROM read_parquet('${file}')) TO '${duckOut}' (FORMAT parquet, COMPRESSION snappy)`)));
  await rm(duckOut, { force: true });

  const sameTop = JSON.stringify(top.map((r) => [String(r.itemId), String(r.count)])) === JSON.stringify(duckTop.map((r) => [r[0], r[1]]));
  const tableRows: TableRow[] = [
    {
      measure: `read 3 columns into the engine (${options.master}, ${partitions} partitions)`,
      dataflow: rate(rows, ours.read), reference: `DuckDB read: ${rate(rows, duckRead)}`,
      verdict: `${fmt(rowsPerSec(rows, ours.read.min) / rowsPerSec(rows, duckRead.min))}× DuckDB (goal ≥ 1×)`,
    },
    {
      measure: 'read + write all 4 columns (snappy)',
      dataflow: rate(rows, ours.write), reference: `DuckDB COPY TO: ${rate(rows, duckWrite)}`,
      verdict: `${fmt(rowsPerSec(rows, ours.write.min) / rowsPerSec(rows, duckWrite.min))}× DuckDB`,
    },
    {
      measure: 'ratings-stats job: per-item count + mean, top 10 (end to end; runs alternate with DuckDB\'s)',
      dataflow: `${fmt(ours.stats.min)} ms (median ${fmt(ours.stats.median)})`, reference: `DuckDB groupby: ${fmt(duckStats.min)} ms (median ${fmt(duckStats.median)})`,
      verdict: `${fmt(ours.stats.min / duckStats.min)}× DuckDB's time (median ${fmt(ours.stats.median / duckStats.median)}×; goal ≤ 3×); top 10 ${sameTop ? 'identical' : 'DIFFERENT'}`,
    },
    {
      measure: 'same job, numPartitions: 8 for aggregateByKey and sortBy',
      dataflow: `${fmt(ours.stats8.min)} ms (median ${fmt(ours.stats8.median)})`, reference: `DuckDB groupby: ${fmt(duckStats.min)} ms (median ${fmt(duckStats.median)})`,
      verdict: `${fmt(ours.stats8.min / duckStats.min)}× DuckDB's time (median ${fmt(ours.stats8.median / duckStats.median)}×; goal ≤ 3×)`,
    },
  ];
  console.log(`\nParquet: ${rows.toLocaleString('en-US')} ratings, ${file}`);
  console.log(`command: ${process.env.DATAFLOW_BENCH_COMMAND ?? `npx tsx bench/parquet.ts ${process.argv.slice(2).join(' ')}`.trim()}\n`);
  console.log(markdownTable(tableRows));
  const median = (xs: number[]): number => summarise(xs).median;
  const stageCount = Math.max(...phases.map((p) => p.stages.length));
  const stageMedians = Array.from({ length: stageCount }, (_, i) => median(phases.map((p) => p.stages[i] ?? 0)));
  console.log(`\nratings-stats job, where the time goes (medians of ${phases.length} runs): ${stageMedians.map((ms, i) => `stage ${i + 1} ${fmt(ms)} ms`).join(', ')}, ` +
    `planning, scheduling gaps and the driver's merge ${fmt(median(phases.map((p) => p.rest)))} ms (stage 1: Parquet decode + map-side aggregation + shuffle write; stage 2: shuffle read, merge, top 10)`);
  console.log(`\nload average (1, 5, 15 min): ${loadAtStart.join(' ')} at start, ${(machineInfo().loadAverage as number[]).join(' ')} at end`);
  const saved = await writeResults(path.join(REPO_ROOT, 'bench/results'), 'parquet', {
    options, machine: machineInfo(), rows, partitions, ours, statsPhases: phases, duckdb: { read: duckRead, write: duckWrite, groupby: duckStats }, top, duckTop, sameTop,
  });
  console.log(`\nresults: ${path.relative(REPO_ROOT, saved)}`);
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
