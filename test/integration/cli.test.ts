// The `dataflow` command end to end: real executor processes, real Parquet files, and the errors
// a user sees for bad input (one line, non-zero exit, nothing left behind).

import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, BIN, PROGRAM, ROOT } from '../helpers/cli.ts';

const job = (name: string): string => join(ROOT, 'test', 'fixtures', 'jobs', name);
let dir: string;

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'dataflow-cli-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectCleanFailure(result: Awaited<ReturnType<typeof runCli>>, pattern: RegExp): void {
  expect(result.code).not.toBe(0);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^dataflow: /);
  expect(lines[0]).toMatch(pattern);
  expect(result.leftovers).toEqual([]);
  expect(result.orphans).toEqual([]);
}

describe('dataflow submit', () => {
  // local (in the driver) and local[2] (two executor processes, a shuffle between them); one executor is local[N] too.
  it('runs the ratings-stats example with the same output on local and local[2]', { timeout: 180_000 }, async () => {
    const ratings = join(dir, 'ratings.parquet');
    const gen = await runCli(['generate', 'ratings', ratings, '--users', '300', '--items', '2000', '--ratings', '20000', '--seed', '7']);
    expect(gen.code, gen.stderr).toBe(0);
    const outputs: string[] = [];
    for (const master of ['local', 'local[2]']) {
      const out = join(dir, `stats-${master.replace(/\W/g, '')}`);
      const result = await runCli(['submit', 'examples/ratings-stats.ts', '--master', master, '--', ratings, out]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe(''); // no progress lines when stderr is not a terminal
      // but the UI's address and the event log, always
      expect(result.uiLine).toMatch(/^dataflow: UI at http:\/\/127\.0\.0\.1:\d+ \(event log \S+dataflow-events\/app-\S+\.jsonl\.inprogress\)$/);
      expect(result.leftovers).toEqual([]);
      expect(result.orphans).toEqual([]);
      expect(existsSync(join(out, '_SUCCESS'))).toBe(true);
      expect(readdirSync(out).filter((f) => f.startsWith('_temporary'))).toEqual([]);
      outputs.push(result.stdout.replace(out, '<out>'));
    }
    expect(outputs[0]).toContain('itemId  count  mean');
    expect(outputs[0]!.split('\n').filter((l) => /^\s+\d+\s+\d+\s+\d\.\d{3}$/.test(l))).toHaveLength(10);
    expect(outputs[1]).toBe(outputs[0]);
  });

  // One run of the job for both: on a terminal (script(1) runs it under a pseudo-terminal, as a
  // user's shell would) its output lines come between the progress lines, which go to stderr.
  const onTerminal = existsSync('/usr/bin/script');
  it(`ships exported functions by reference, captures and broadcasts (local[2])${onTerminal ? ', drawing a progress line per stage on a terminal' : ''}`, async () => {
    const args = ['submit', job('word-count.ts'), '--master', 'local[2]', '--', '2'];
    const result = onTerminal
      ? await runCli([], { command: ['/usr/bin/script', '-qec', [process.execPath, BIN, ...args].join(' '), '/dev/null'] })
      : await runCli(args);
    expect(result.code, `${result.stderr}${result.stdout}`).toBe(0);
    expect(result.stdout.match(/\{"word":.*?\}/g)?.map((l) => JSON.parse(l))).toEqual([
      { word: 'dog', one: 2 }, { word: 'fox', one: 2 }, { word: 'quick', one: 2 },
    ]);
    if (onTerminal) expect(result.stdout).toMatch(/stage \d+: \d+\/\d+ tasks, \d+\.\d s/);
    else expect(result.stdout.trim().split('\n')).toHaveLength(3); // nothing but the job's lines on a pipe
    expect(result.orphans).toEqual([]);
  });

  // esbuild's service used to stay a child of the driver for the whole job, and to be still exiting
  // when the driver had ended (a process left in the user's process group).
  it('has no esbuild service process left while the job runs (bundled, type-checked)', async () => {
    const result = await runCli(['submit', job('driver-children-job.ts')]);
    expect(result.code, result.stderr).toBe(0);
    const children = JSON.parse(result.stdout) as string[];
    expect(children.filter((c) => /esbuild/.test(c))).toEqual([]);
  });

  // bin/dataflow (what `npx dataflow` runs) sets glibc malloc's thresholds for a driver, whose
  // tasks run in it on `local` (bench/local-driver.ts measures why); the executors a driver starts
  // get their own, however the driver was started (bench/core).
  it('runs the driver as the program started (exec), with malloc thresholds for submit unless the user set them; executors with their own', async () => {
    type Where = { pid: number; mmap: string; trim: string };
    const run = async (env: Record<string, string> = {}): Promise<{ pid: number | undefined; driver: Where; tasks: Where[] }> => {
      const result = await runCli([], { command: [PROGRAM, 'submit', job('malloc-env-job.ts'), '--master', 'local[2]'], env });
      expect(result.code, result.stderr).toBe(0);
      return { pid: result.pid, ...(JSON.parse(result.stdout) as { driver: Where; tasks: Where[] }) };
    };
    const defaults = await run();
    expect(defaults.driver).toEqual({ pid: defaults.pid, mmap: '33554432', trim: '268435456' });
    expect(defaults.tasks.map((t) => [t.pid === defaults.pid, t.mmap, t.trim])).toEqual(Array(4).fill([false, '33554432', '67108864']));
    const users = await run({ MALLOC_TRIM_THRESHOLD_: '1000000' });
    expect(users.driver).toEqual({ pid: users.pid, mmap: 'unset', trim: '1000000' });
    expect(users.tasks.map((t) => [t.mmap, t.trim])).toEqual(Array(4).fill(['unset', '1000000']));
    const viaNode = await runCli(['submit', job('malloc-env-job.ts'), '--master', 'local[2]']);
    const started = JSON.parse(viaNode.stdout) as { driver: Where; tasks: Where[] };
    expect(started.driver).toMatchObject({ mmap: 'unset', trim: 'unset' });
    expect(started.tasks.map((t) => [t.mmap, t.trim])).toEqual(Array(4).fill(['33554432', '67108864']));
  });

  it('runs a job written through the public API and the Door (dataflow/extend) on local[2]', async () => {
    const result = await runCli(['submit', job('door-job.ts'), '--master', 'local[2]']);
    expect(result.code, result.stderr).toBe(0);
    const { totals, placement, parallelism } = JSON.parse(result.stdout) as { totals: Array<{ keys: string; total: number }>; placement: number[]; parallelism: number };
    expect(parallelism).toBe(2);
    // partition p of the co-partitioned join holds exactly the keys the engine hashes to p
    expect(totals.map((t) => t.keys)).toEqual([0, 1, 2].map((p) => placement.flatMap((q, k) => (q === p ? [k] : [])).join(',')));
    expect(totals.reduce((s, t) => s + t.total, 0)).toBe(Array.from({ length: 70 }, (_, i) => i * ((i % 7) + 1)).reduce((a, b) => a + b, 0));
    expect(result.orphans).toEqual([]);
  });

  it('fails a job whose task throws, naming the job file and line', async () => {
    const result = await runCli(['submit', job('throwing-job.ts'), '--master', 'local[2]']);
    expectCleanFailure(result, /bad row 42.*throwing-job\.ts:6:/);
  });

  it('rejects a free variable when the plan is built, naming it and its line', async () => {
    const result = await runCli(['submit', job('free-variable-job.ts'), '--master', 'local[2]']);
    expectCleanFailure(result, /'threshold'.*free-variable-job\.ts:6/);
  });

  it('reports executors that die at start, leaving nothing behind', async () => {
    const result = await runCli(['submit', job('word-count.ts'), '--master', 'local[2]', '--conf', 'dataflow.executor.extraNodeOptions=--no-such-node-flag']);
    expectCleanFailure(result, /executor exec-\d exited with code \d+ before registering.*no-such-node-flag/);
  });

  it('reports a missing job file', async () => {
    expectCleanFailure(await runCli(['submit', join(dir, 'nope.ts')]), /nope\.ts does not exist/);
  });

  it('reports a syntax error with file and line', async () => {
    expectCleanFailure(await runCli(['submit', job('syntax-error-job.ts')]), /syntax-error-job\.ts:5/);
  });

  it('reports a type error with file and line', async () => {
    expectCleanFailure(await runCli(['submit', job('type-error-job.ts')]), /type error.*type-error-job\.ts:6/);
  });

  it('reports a job without a default export', async () => {
    expectCleanFailure(await runCli(['submit', job('no-default-export.ts')]), /no default export/);
  });

  it('reports an unknown --master', async () => {
    expectCleanFailure(await runCli(['submit', job('word-count.ts'), '--master', 'yarn']), /--master 'yarn'.*local\[N\]/);
  });

  it('reports an unknown --conf key', async () => {
    expectCleanFailure(await runCli(['submit', job('word-count.ts'), '--conf', 'dataflow.nope=1']), /unknown configuration key 'dataflow\.nope'/);
  });

  it('reports a Parquet path that does not exist, with nothing written', async () => {
    const out = join(dir, 'never-written');
    // found when the plan is built, in the driver (no executors wanted; a plan-time failure on local[2] is the free variable's test)
    const result = await runCli(['submit', 'examples/ratings-stats.ts', '--', join(dir, 'missing.parquet'), out]);
    expectCleanFailure(result, /missing\.parquet does not exist/);
    expect(existsSync(out)).toBe(false);
  });

  it('reports a file that is not Parquet', async () => {
    const fake = join(dir, 'fake.parquet');
    writeFileSync(fake, 'userId,itemId,rating\n1,2,3\n');
    expectCleanFailure(await runCli(['submit', 'examples/ratings-stats.ts', '--', fake, join(dir, 'o2')]), /fake\.parquet is not a Parquet file/);
  });

  it('prints help for every command', async () => {
    for (const args of [['--help'], ['submit', '--help'], ['executor', '--help'], ['generate', '--help']]) {
      const result = await runCli(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/dataflow/);
    }
  });
});
