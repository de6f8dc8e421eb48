// Out of core, for real: local[2] inside a memory cgroup (Arrow buffers live outside the V8
// heap, so only a cgroup bounds them), an execution budget far below the data, a dataset of
// (key, value) rows generated on the fly inside the job, aggregated by key and then sorted by the
// sum; then skewed rows (one key holding --hot percent of them) grouped by key with groupByKey;
// then the rows full-joined with a generated table of --join-rows distinct keys (half of them
// beyond the rows' keys), shuffled on both sides. Every result is checked against checksums computed here without the engine (for groupByKey each
// group's values in input order too); the table shows each executor's peak resident memory
// (VmHWM), the cgroup's peak and the bytes spilled.
//
//   sudo npx tsx bench/out-of-core.ts [--rows 10000000] [--keys 4000000] [--memory 8m] [--cap 1g] [--partitions 16]
//                                     [--skew-rows 5000000] [--skew-keys 1000000] [--hot 30] [--max-group 256m] [--join-rows 4000000]
//                                     [--conf dataflow.executor.extraNodeOptions=--cpu-prof --conf ...] [--duckdb 64MB]
//
// The defaults run in about four minutes on 2 shared cores: 115 MB of columns, 12× the 9.6 MB
// execution budget of the two executors; aggregation and sort both spill.
//
// --memory is dataflow.executor.memory (60% of it is each executor's execution budget); --cap is
// memory.max (v2) or memory.limit_in_bytes (v1) of the cgroup that holds the driver and both
// executors. Needs root for the cgroup; without it the job runs unbounded (and says so).
// --max-group is groupByKey's maxGroupBytes: the hot key's group (returned as one row, so held
// whole) is far above the task's share of an 8m executor, and the cgroup shows what it costs.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { count, sum } from '../engine/index.ts';
import type { JobMetrics } from '../engine/index.ts';
import { parseSize } from '../engine/config.ts';
import { fmt, machineInfo, markdownTable, writeResults } from './lib/report.ts';
import type { TableRow } from './lib/report.ts';
import { cleanUpOnSignal, loadFunctions, withSession } from './lib/sessions.ts';
import { groupHash, joinHash, keyOf, orderStep, skewedKeyOf, valueOf, weightOf } from './out-of-core/functions.ts';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

interface Options {
  rows: number; keys: number; memory: string; cap: string; partitions: number; inside: boolean;
  skewRows: number; skewKeys: number; hot: number; maxGroup: string; joinRows: number;
  /** DuckDB's memory_limit for the same steps on the same rows ('' skips DuckDB; it refuses to run them under 9.6 MB). */
  duckdb: string;
  /** Extra session settings (--conf key=value, repeatable), e.g. dataflow.executor.extraNodeOptions=--cpu-prof. */
  conf: string[];
}

function parseOptions(argv: string[]): Options {
  const o: Options = { rows: 10_000_000, keys: 4_000_000, memory: '8m', cap: '1g', partitions: 16, inside: false, skewRows: 0, skewKeys: 0, hot: 30, maxGroup: '256m', joinRows: 0, conf: [], duckdb: '64MB' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = (): string => inline ?? argv[++i] ?? '';
    if (flag === '--rows') o.rows = Number(value());
    else if (flag === '--keys') o.keys = Number(value());
    else if (flag === '--memory') o.memory = value();
    else if (flag === '--cap') o.cap = value();
    else if (flag === '--partitions') o.partitions = Number(value());
    else if (flag === '--skew-rows') o.skewRows = Number(value());
    else if (flag === '--skew-keys') o.skewKeys = Number(value());
    else if (flag === '--hot') o.hot = Number(value());
    else if (flag === '--max-group') o.maxGroup = value();
    else if (flag === '--join-rows') o.joinRows = Number(value());
    else if (flag === '--conf') o.conf.push(value());
    else if (flag === '--duckdb') o.duckdb = value();
    else if (flag === '--inside') o.inside = true;
    else throw new Error(`bench out-of-core: unknown option ${flag} (known: --rows, --keys, --memory, --cap, --partitions, --skew-rows, --skew-keys, --hot, --max-group, --join-rows, --conf, --duckdb)`);
  }
  o.skewRows ||= Math.ceil(o.rows / 2);
  o.skewKeys ||= Math.max(1, Math.ceil(o.keys / 4));
  o.joinRows ||= o.keys;
  for (const [name, v] of [['--rows', o.rows], ['--keys', o.keys], ['--partitions', o.partitions], ['--skew-rows', o.skewRows], ['--skew-keys', o.skewKeys], ['--join-rows', o.joinRows]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`bench out-of-core: ${name} must be a positive integer, got ${v}`);
  }
  if (!Number.isInteger(o.hot) || o.hot < 0 || o.hot > 100) throw new Error(`bench out-of-core: --hot must be a percentage 0..100, got ${o.hot}`);
  parseSize(o.memory, '--memory');
  parseSize(o.cap, '--cap');
  parseSize(o.maxGroup, '--max-group');
  return o;
}

/** A summary row of functions.ts `summarize`. */
interface Summary { rows: number; sumN: number; sumS: number; hash: number; first: number; last: number; descending: number }

interface Checks { groups: number; sumN: number; sumS: number; hash: number }

function totals(summaries: Summary[]): Checks {
  return summaries.reduce((t, s) => ({ groups: t.groups + s.rows, sumN: t.sumN + s.sumN, sumS: t.sumS + s.sumS, hash: (t.hash + s.hash) >>> 0 }), { groups: 0, sumN: 0, sumS: 0, hash: 0 });
}

/** What the job must produce, computed with plain loops over the same generator. */
function expected(o: Options): Checks {
  const n = new Int32Array(o.keys);
  const s = new Float64Array(o.keys);
  for (let id = 0; id < o.rows; id++) {
    const k = keyOf(id, o.keys);
    n[k]!++;
    s[k]! += valueOf(id);
  }
  const out: Checks = { groups: 0, sumN: 0, sumS: 0, hash: 0 };
  for (let k = 0; k < o.keys; k++) {
    if (n[k] === 0) continue;
    out.groups++;
    out.sumN += n[k]!;
    out.sumS += s[k]!;
    out.hash = (out.hash + groupHash(k, n[k]!, s[k]!)) >>> 0;
  }
  return out;
}

/**
 * What groupByKey on the skewed rows must produce: per key n, s and the order fingerprint of its
 * values in input order (ascending ids: range partitions in order, reduce input in map order).
 */
function expectedSkewed(o: Options): Checks & { largest: number } {
  const n = new Int32Array(o.skewKeys);
  const s = new Float64Array(o.skewKeys);
  const w = new Uint32Array(o.skewKeys);
  for (let id = 0; id < o.skewRows; id++) {
    const k = skewedKeyOf(id, o.skewKeys, o.hot);
    const v = valueOf(id);
    w[k] = orderStep(w[k]!, n[k]!, v);
    n[k]!++;
    s[k]! += v;
  }
  const out = { groups: 0, sumN: 0, sumS: 0, hash: 0, largest: 0 };
  for (let k = 0; k < o.skewKeys; k++) {
    if (n[k] === 0) continue;
    out.groups++;
    out.sumN += n[k]!;
    out.sumS += s[k]!;
    out.hash = (out.hash + groupHash(k ^ w[k]!, n[k]!, s[k]!)) >>> 0;
    out.largest = Math.max(out.largest, n[k]!);
  }
  return out;
}

/** The joined table's keys are shift, shift + 1, ...: half of the rows' keys match, and keys beyond them do not. */
const joinShift = (o: Options): number => Math.floor(o.keys / 2);

/**
 * What the full join of the rows with the table must produce (summarizeJoin's checks, sumN = Σ value,
 * sumS = Σ w), and how many rows lack a value (table rows no row matched) or a weight.
 */
function expectedJoin(o: Options): Checks & { noValue: number; noWeight: number } {
  const shift = joinShift(o);
  const end = shift + o.joinRows;
  const hit = new Uint8Array(o.keys);
  const out = { groups: 0, sumN: 0, sumS: 0, hash: 0, noValue: 0, noWeight: 0 };
  for (let id = 0; id < o.rows; id++) {
    const k = keyOf(id, o.keys);
    const v = valueOf(id);
    const matched = k >= shift && k < end;
    const w = matched ? weightOf(k) : -1;
    if (matched) { hit[k] = 1; out.sumS += w; } else out.noWeight++;
    out.groups++;
    out.sumN += v;
    out.hash = (out.hash + joinHash(k, v, w)) >>> 0;
  }
  for (let k = shift; k < end; k++) {
    if (k < o.keys && hit[k] === 1) continue;
    out.groups++;
    out.noValue++;
    out.sumS += weightOf(k);
    out.hash = (out.hash + joinHash(k, -1, weightOf(k))) >>> 0;
  }
  return out;
}

/** A step's wall time, and the CPU time its executors used (user + system): the figure that load distorts least. */
interface Timed { seconds: number; cpuSeconds: number }

interface DuckTimes { aggregate: number; sort: number; join: number; exact: boolean }

/**
 * DuckDB doing the aggregate, the sort (aggregate included, as ours recomputes it) and the full join
 * on the same generated rows (keyOf/valueOf/weightOf in SQL) with `memoryLimit` and 2 threads, in
 * this process (outside the cgroup), spilling to a temporary folder; its checksums against ours.
 */
async function duckdbTimes(o: Options, memoryLimit: string, e: Checks, ej: Checks): Promise<DuckTimes> {
  interface Reader { getRows(): unknown[][] }
  const { DuckDBInstance } = createRequire(path.join(REPO_ROOT, 'package.json'))('@duckdb/node-api') as {
    DuckDBInstance: { create(p: string, options: Record<string, string>): Promise<{ connect(): Promise<{ runAndReadAll(sql: string): Promise<Reader>; closeSync(): void }> }> };
  };
  const temp = mkdtempSync(path.join(tmpdir(), 'out-of-core-duckdb-'));
  const connection = await (await DuckDBInstance.create(':memory:', { memory_limit: memoryLimit, threads: '2', temp_directory: temp })).connect();
  try {
    const timed = async (sql: string): Promise<[number, number[]]> => {
      const t = performance.now();
      const rows = (await connection.runAndReadAll(sql)).getRows();
      return [(performance.now() - t) / 1000, rows[0]!.map(Number)];
    };
    const data = `(SELECT ((id * 2654435761) % 4294967296) % ${o.keys} AS key, CAST((id * 7) % 1000 AS DOUBLE) AS value FROM range(0, ${o.rows}) t(id))`;
    const groups = `(SELECT key, count(*) AS n, sum(value) AS s FROM ${data} GROUP BY key)`;
    const [aggregate, a] = await timed(`SELECT count(*), sum(n), sum(s) FROM ${groups}`);
    const [sort, s] = await timed(`SELECT count(*), sum(s), min(d) FROM (SELECT s, lag(s) OVER (ORDER BY s DESC) - s AS d FROM ${groups})`);
    const shift = joinShift(o);
    const table = `(SELECT id + ${shift} AS key, CAST(((id + ${shift}) * 13) % 1000 + 1 AS DOUBLE) AS w FROM range(0, ${o.joinRows}) t(id))`;
    const [join, j] = await timed(`SELECT count(*), sum(value), sum(w) FROM ${data} d FULL JOIN ${table} t USING (key)`);
    const exact = a[0] === e.groups && a[1] === e.sumN && a[2] === e.sumS && s[0] === e.groups && s[1] === e.sumS && s[2]! >= 0 &&
      j[0] === ej.groups && j[1] === ej.sumN && j[2] === ej.sumS;
    return { aggregate, sort, join, exact };
  } finally {
    connection.closeSync();
    rmSync(temp, { recursive: true, force: true });
  }
}

interface InsideReport {
  aggregate: Timed & { checks: Checks; metrics: JobMetrics | undefined };
  sort: Timed & { checks: Checks; ordered: boolean; metrics: JobMetrics | undefined };
  groupByKey: Timed & { checks: Checks; largest: number; metrics: JobMetrics | undefined };
  join: Timed & { checks: Checks; noValue: number; noWeight: number; metrics: JobMetrics | undefined };
  executorPeaks: Array<{ pid: number; peakBytes: number }>;
  driverPeakBytes: number;
}

/** Peak resident set (VmHWM) of a process, in bytes. */
function peakRss(pid: number | 'self'): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** CPU seconds (user + system, all threads) used so far by the executor processes. */
function executorCpuSeconds(): number {
  let ticks = 0;
  for (const pid of executors()) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    } catch { /* gone meanwhile */ }
  }
  return ticks / 100; // USER_HZ, 100 on Linux
}

/** Starts timing a step: wall clock and the executors' CPU. */
function timer(): () => Timed {
  const wall = performance.now();
  const cpu = executorCpuSeconds();
  return () => ({ seconds: (performance.now() - wall) / 1000, cpuSeconds: executorCpuSeconds() - cpu });
}

/** The executor processes local[N] started (children of this process running `dataflow executor`). */
function executors(): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (ppid === process.pid && command.includes('executor')) out.push(Number(entry));
    } catch { /* gone meanwhile */ }
  }
  return out;
}

/** The job itself, run inside the cgroup. Prints its report as the last line of stdout. */
async function inside(o: Options): Promise<void> {
  const fns = await loadFunctions<typeof import('./out-of-core/functions.ts')>(path.join(REPO_ROOT, 'bench/out-of-core/functions.ts'));
  try {
    await withSession('local[2]', async (session) => {
      session.useBundle(fns.bundle, fns.loaded);
      const { generate, summarize, generateSkewed, summarizeGroups, generateTable, summarizeJoin } = fns.exports;
      const keys = o.keys;
      const data = session.range(0, o.rows, { numPartitions: o.partitions }).mapBatches((b) => generate(b, keys), { generate, keys });
      const groups = data.aggregateByKey(['key'], { n: count(), s: sum('value') }, { numPartitions: 16 });

      let started = timer();
      const aggSummaries = (await groups.mapBatches(summarize).collect()) as unknown as Summary[];
      const aggregate = { ...started(), checks: totals(aggSummaries), metrics: session.lastJobMetrics };

      started = timer();
      const sorted = groups.sortBy([{ column: 's', ascending: false }], { numPartitions: 2 });
      const sortSummaries = (await sorted.mapBatches(summarize).collect()) as unknown as Summary[];
      const nonEmpty = sortSummaries.filter((s) => s.rows > 0);
      const ordered = nonEmpty.every((s, i) => s.descending === 1 && (i === 0 || nonEmpty[i - 1]!.last >= s.first));
      const sort = { ...started(), checks: totals(sortSummaries), ordered, metrics: session.lastJobMetrics };

      started = timer();
      const { skewKeys, hot } = { skewKeys: o.skewKeys, hot: o.hot };
      const skewed = session.range(0, o.skewRows, { numPartitions: o.partitions }).mapBatches((b) => generateSkewed(b, skewKeys, hot), { generateSkewed, skewKeys, hot });
      const grouped = skewed.groupByKey(['key'], { numPartitions: 16, maxGroupBytes: o.maxGroup });
      const groupSummaries = (await grouped.mapBatches(summarizeGroups).collect()) as unknown as Summary[];
      const groupByKey = {
        ...started(), checks: totals(groupSummaries),
        largest: Math.max(0, ...groupSummaries.map((g) => g.first)), metrics: session.lastJobMetrics,
      };

      started = timer();
      const shift = joinShift(o);
      const table = session.range(0, o.joinRows, { numPartitions: o.partitions }).mapBatches((b) => generateTable(b, shift), { generateTable, shift });
      const joined = data.join(table, ['key'], { how: 'full', numPartitions: 16 });
      const joinSummaries = (await joined.mapBatches(summarizeJoin).collect()) as unknown as Summary[];
      const join = {
        ...started(), checks: totals(joinSummaries),
        noValue: joinSummaries.reduce((n, s) => n + s.first, 0), noWeight: joinSummaries.reduce((n, s) => n + s.last, 0),
        metrics: session.lastJobMetrics,
      };

      const report: InsideReport = {
        aggregate, sort, groupByKey, join,
        executorPeaks: executors().map((pid) => ({ pid, peakBytes: peakRss(pid) })),
        driverPeakBytes: peakRss('self'),
      };
      process.stdout.write(`${JSON.stringify(report)}\n`);
    }, [`dataflow.executor.memory=${o.memory}`, ...o.conf]);
  } finally {
    await fns.dispose();
  }
}

/** A memory cgroup for the run: v2 where the memory controller is there, else v1. */
function makeCgroup(capBytes: number): { procs: string; peak: () => number; limitFile: string; remove: () => void } | undefined {
  const own = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  const v2 = own.find((l) => l.startsWith('0::'))?.slice(3);
  const v1 = own.map((l) => /^\d+:([^:]*):(.*)$/.exec(l)).find((m) => m && m[1]!.split(',').includes('memory'))?.[2];
  const name = `dataflow-bench-${process.pid}`;
  const candidates: Array<{ dir: string; limit: string; peak: string }> = [];
  if (v2 !== undefined && existsSync('/sys/fs/cgroup/cgroup.controllers') && readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').includes('memory')) {
    candidates.push({ dir: path.join('/sys/fs/cgroup', v2, name), limit: 'memory.max', peak: 'memory.peak' });
  }
  if (v1 !== undefined && existsSync('/sys/fs/cgroup/memory')) {
    candidates.push({ dir: path.join('/sys/fs/cgroup/memory', v1, name), limit: 'memory.limit_in_bytes', peak: 'memory.max_usage_in_bytes' });
  }
  for (const c of candidates) {
    try {
      mkdirSync(c.dir);
      writeFileSync(path.join(c.dir, c.limit), String(capBytes));
      if (c.limit === 'memory.limit_in_bytes') {
        try { writeFileSync(path.join(c.dir, 'memory.memsw.limit_in_bytes'), String(capBytes)); } catch { /* no swap accounting */ }
      }
      return {
        procs: path.join(c.dir, 'cgroup.procs'),
        limitFile: path.join(c.dir, c.limit),
        peak: () => Number(readFileSync(path.join(c.dir, c.peak), 'utf8').trim()),
        remove: () => { try { rmdirSync(c.dir); } catch { /* still busy: left for the system */ } },
      };
    } catch {
      try { rmdirSync(c.dir); } catch { /* not created */ }
    }
  }
  return undefined;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (o.inside) return inside(o);
  cleanUpOnSignal();
  const capBytes = parseSize(o.cap, '--cap');
  const memoryBytes = parseSize(o.memory, '--memory');
  const budget = 2 * Math.floor(0.6 * memoryBytes);
  const dataBytes = o.rows * 12; // Int32 key + Float64 value
  const command = `npx tsx bench/out-of-core.ts --rows ${o.rows} --keys ${o.keys} --memory ${o.memory} --cap ${o.cap} --partitions ${o.partitions}` +
    ` --duckdb '${o.duckdb}' --skew-rows ${o.skewRows} --skew-keys ${o.skewKeys} --hot ${o.hot} --max-group ${o.maxGroup} --join-rows ${o.joinRows}` +
    o.conf.map((c) => ` --conf '${c}'`).join('');
  console.log(`${o.rows.toLocaleString('en-US')} rows (${fmt(dataBytes / 2 ** 20)} MB of columns), ${o.keys.toLocaleString('en-US')} keys; ` +
    `execution budget 2 × ${fmt((0.6 * memoryBytes) / 2 ** 20)} MB = ${fmt(budget / 2 ** 20)} MB (data ${fmt(dataBytes / budget)}× the budget); cgroup cap ${o.cap}`);

  const cgroup = makeCgroup(capBytes);
  if (!cgroup) console.log('no memory cgroup could be created (needs root and a memory controller): running unbounded');
  const args = ['--import', 'tsx', SELF, ...process.argv.slice(2), '--inside'];
  const child = cgroup
    ? spawn('sh', ['-c', `echo $$ > '${cgroup.procs}' && exec "$0" "$@"`, process.execPath, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  const expecting = expected(o);
  const expectingGroups = expectedSkewed(o);
  const expectingJoin = expectedJoin(o);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c, signal) => resolve(signal ? 128 : c)));
  const cgroupPeak = cgroup ? cgroup.peak() : NaN;
  cgroup?.remove();
  const last = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !last.startsWith('{')) {
    throw new Error(`bench out-of-core: the job exited with ${code}${cgroup ? ` inside a ${o.cap} cgroup (killed by the OOM killer if 137/128)` : ''}; output:\n${out.slice(-2000)}`);
  }
  const r = JSON.parse(last) as InsideReport;
  const duck = o.duckdb ? await duckdbTimes(o, o.duckdb, expecting, expectingJoin) : undefined;
  const duckSays = (seconds: number | undefined): string => (duck && seconds !== undefined ? `DuckDB (memory_limit ${o.duckdb}) ${fmt(seconds)} s${duck.exact ? '' : ', its checksums DIFFER'}; ` : '');
  const same = (c: Checks, e: Checks = expecting): boolean => c.groups === e.groups && c.sumN === e.sumN && c.sumS === e.sumS && c.hash === e.hash;
  const mb = (b: number): string => `${fmt(b / 2 ** 20)} MB`;
  const perExecutorCap = (capBytes - r.driverPeakBytes) / 2;
  const joinExact = same(r.join.checks, expectingJoin) && r.join.noValue === expectingJoin.noValue && r.join.noWeight === expectingJoin.noWeight;
  const rows: TableRow[] = [
    { measure: `aggregateByKey, ${o.keys.toLocaleString('en-US')} keys`, dataflow: `${fmt(r.aggregate.seconds)} s (executors' CPU ${fmt(r.aggregate.cpuSeconds)} s), spilled ${mb(r.aggregate.metrics?.spillBytes ?? 0)}`, reference: `${duckSays(duck?.aggregate)}groups ${expecting.groups}, Σn ${expecting.sumN}, Σs ${expecting.sumS}, hash ${expecting.hash}`, verdict: same(r.aggregate.checks) ? 'exact' : `WRONG: ${JSON.stringify(r.aggregate.checks)}` },
    { measure: 'sortBy(s desc), 2 partitions', dataflow: `${fmt(r.sort.seconds)} s (executors' CPU ${fmt(r.sort.cpuSeconds)} s), spilled ${mb(r.sort.metrics?.spillBytes ?? 0)}`, reference: `${duckSays(duck?.sort)}same checksums, s non-increasing`, verdict: same(r.sort.checks) && r.sort.ordered ? 'exact, ordered' : `WRONG: ${JSON.stringify(r.sort.checks)} ordered=${r.sort.ordered}` },
    {
      measure: `groupByKey, ${o.skewRows.toLocaleString('en-US')} rows, key 0 holds ${o.hot}%`,
      dataflow: `${fmt(r.groupByKey.seconds)} s (executors' CPU ${fmt(r.groupByKey.cpuSeconds)} s), spilled ${mb(r.groupByKey.metrics?.spillBytes ?? 0)}, largest group ${r.groupByKey.largest.toLocaleString('en-US')} rows`,
      reference: `groups ${expectingGroups.groups}, Σn ${expectingGroups.sumN}, Σs ${expectingGroups.sumS}, hash ${expectingGroups.hash} (values in order), largest ${expectingGroups.largest}`,
      verdict: same(r.groupByKey.checks, expectingGroups) && r.groupByKey.largest === expectingGroups.largest ? 'exact' : `WRONG: ${JSON.stringify(r.groupByKey.checks)} largest=${r.groupByKey.largest}`,
    },
    {
      measure: `full join with ${o.joinRows.toLocaleString('en-US')} distinct keys (both sides shuffled)`,
      dataflow: `${fmt(r.join.seconds)} s (executors' CPU ${fmt(r.join.cpuSeconds)} s), spilled ${mb(r.join.metrics?.spillBytes ?? 0)}`,
      reference: `${duckSays(duck?.join)}rows ${expectingJoin.groups}, Σvalue ${expectingJoin.sumN}, Σw ${expectingJoin.sumS}, hash ${expectingJoin.hash}, ${expectingJoin.noValue} without value, ${expectingJoin.noWeight} without w`,
      verdict: joinExact ? 'exact' : `WRONG: ${JSON.stringify(r.join.checks)} noValue=${r.join.noValue} noWeight=${r.join.noWeight}`,
    },
    ...r.executorPeaks.map((e, i) => ({ measure: `executor ${i + 1} peak RSS (VmHWM)`, dataflow: mb(e.peakBytes), reference: `budget ${mb(0.6 * memoryBytes)}; share of cap ${mb(perExecutorCap)}`, verdict: e.peakBytes <= perExecutorCap ? 'within' : 'OVER' })),
    { measure: 'driver peak RSS', dataflow: mb(r.driverPeakBytes), reference: '', verdict: '' },
    { measure: 'cgroup peak (driver + executors)', dataflow: cgroup ? mb(cgroupPeak) : 'no cgroup', reference: `cap ${mb(capBytes)}`, verdict: cgroup ? (cgroupPeak <= capBytes ? 'within' : 'OVER') : 'unbounded' },
  ];
  console.log(`\n${markdownTable(rows)}\n\ncommand: ${command}`);
  const file = await writeResults(path.join(REPO_ROOT, 'bench/results'), 'out-of-core', { options: o, expected: expecting, expectedGroups: expectingGroups, expectedJoin: expectingJoin, report: r, duckdb: duck, cgroupPeak, machine: machineInfo() });
  console.log(`results: ${path.relative(REPO_ROOT, file)}`);
  if (!same(r.aggregate.checks) || !same(r.sort.checks) || !r.sort.ordered) process.exitCode = 1;
  if (!same(r.groupByKey.checks, expectingGroups) || r.groupByKey.largest !== expectingGroups.largest) process.exitCode = 1;
  if (!joinExact) process.exitCode = 1;
}

void (main() as Promise<void>).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
