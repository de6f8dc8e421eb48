// Standalone cluster mode end to end: a `dataflow master` and executors as separate processes on
// 127.0.0.1, jobs sent with `dataflow submit --master dataflow://...`, results identical to `local`,
// several applications on one master, and the errors a user sees for bad input.

import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, JobFailedError } from '../../engine/index.ts';
import type { Row } from '../../engine/index.ts';
import { bundleJob } from '../../engine/closure/bundle.ts';
import { loadBundle } from '../../engine/closure/load-bundle.ts';
import { hostModules, sharedExportNames } from '../../engine/closure/host-modules.ts';
import { PROGRAM, runCli } from '../helpers/cli.ts';
import { ROOT, TestCluster, closedPort, commandsOf, spawnDataflow } from '../helpers/cluster.ts';

const fixture = (name: string): string => join(ROOT, 'test', 'fixtures', 'jobs', name);
const ALS_PRESENT = existsSync(join(ROOT, 'jobs', 'als', 'index.ts'));
if (!ALS_PRESENT) console.warn('cluster.test.ts: jobs/als/index.ts is absent, so the ALS-on-a-cluster test is skipped');

/** Every row of a Parquet dataset, in a canonical order. */
async function parquetRows(dir: string): Promise<Row[]> {
  const session = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false'] });
  try {
    const rows = await (await session.readParquet(dir)).collect();
    return rows.sort((a, b) => Number(a.itemId) - Number(b.itemId));
  } finally {
    await session.stop();
  }
}

/** Application ids the master has registered so far, in order. */
const appsRegistered = (cluster: TestCluster): string[] =>
  [...cluster.master.stdout.matchAll(/application (app-\S+) \(.*\) registered/g)].map((m) => m[1]!);

const dataFiles = (dir: string): string[] => readdirSync(dir).filter((f) => !f.startsWith('.')).sort();

describe('standalone cluster: master and 3 executors as processes', () => {
  let cluster: TestCluster;
  let ratings: string;

  beforeAll(async () => {
    cluster = await TestCluster.start({ executors: 3 });
    ratings = join(cluster.dir, 'ratings.parquet');
    const gen = await runCli(['generate', 'ratings', ratings, '--users', '300', '--items', '2000', '--ratings', '20000', '--seed', '7']);
    expect(gen.code, gen.stderr).toBe(0);
  });
  afterAll(async () => { await cluster?.stop(); });

  it('runs ratings-stats through submit --master dataflow:// with the same output and Parquet files as local', async () => {
    const outCluster = join(cluster.dir, 'stats-cluster');
    const outLocal = join(cluster.dir, 'stats-local');
    const [remote, local] = await Promise.all([
      cluster.submit(['examples/ratings-stats.ts', '--', ratings, outCluster]),
      cluster.submit(['examples/ratings-stats.ts', '--', ratings, outLocal], { master: 'local' }),
    ]);
    expect(remote.code, remote.stderr).toBe(0);
    expect(local.code, local.stderr).toBe(0);

    expect(remote.stdout.replace(outCluster, '<out>')).toBe(local.stdout.replace(outLocal, '<out>'));
    expect(remote.stdout).toContain('itemId  count  mean');
    expect(remote.stderr).toBe('');
    expect(remote.tmpLeftovers).toEqual([]);
    expect(dataFiles(outCluster)).toEqual(dataFiles(outLocal));
    expect(dataFiles(outCluster)).toContain('_SUCCESS');
    const rows = await parquetRows(outCluster);
    expect(rows.length).toBeGreaterThan(1000);
    expect(rows).toEqual(await parquetRows(outLocal));
    // the application's files are gone from every executor once the driver has left
    await cluster.waitForNoAppDirs();
    expect(cluster.appDirs()).toEqual([]);
    expect(cluster.liveExecutors()).toHaveLength(3);
  });

  it('runs two jobs submitted at once, each on its own executor slots, and each cleans up', async () => {
    const outs = [join(cluster.dir, 'two-a'), join(cluster.dir, 'two-b')];
    const registeredBefore = appsRegistered(cluster).length;
    const results = await Promise.all(outs.map((out) =>
      cluster.submit(['examples/ratings-stats.ts', '--conf', 'dataflow.cores.max=1', '--', ratings, out])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(results[0]!.stdout.replace(outs[0]!, '<out>')).toBe(results[1]!.stdout.replace(outs[1]!, '<out>'));
    expect(await parquetRows(outs[0]!)).toEqual(await parquetRows(outs[1]!));
    // two applications registered with the master, and both finished
    const apps = appsRegistered(cluster).slice(registeredBefore);
    expect(apps).toHaveLength(2);
    for (const app of apps) expect(cluster.master.stdout).toContain(`application ${app} finished`);
    await cluster.waitForNoAppDirs();
    expect(cluster.appDirs()).toEqual([]);
    expect(results.flatMap((r) => r.tmpLeftovers)).toEqual([]);
  });

  it.skipIf(!ALS_PRESENT)('trains ALS through submit --master dataflow:// with the same factors as local', async () => {
    const [remote, local] = await Promise.all([
      cluster.submit([fixture('cluster-als-job.ts'), '--', ratings], { timeoutMs: 120_000 }),
      cluster.submit([fixture('cluster-als-job.ts'), '--', ratings], { master: 'local', timeoutMs: 120_000 }),
    ]);
    expect(remote.code, remote.stderr).toBe(0);
    expect(local.code, local.stderr).toBe(0);
    expect(remote.stdout).toMatch(/predict\(1, 1\) = /);
    expect(remote.stdout).toBe(local.stdout);
  }, 180_000);

  it('refuses a second executor on a work dir that is in use, naming the dir', async () => {
    const first = cluster.liveExecutors()[0]!;
    const second = spawnDataflow('same-dir', [
      'executor', '--master', `${cluster.masterHost}:${cluster.masterPort}`, '--executor-id', 'same-dir',
      '--work-dir', first.workDir, '--network-timeout-ms', '2000',
    ], { env: cluster.env });
    const exit = await second.exited;
    expect(exit.code).not.toBe(0);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toContain(first.workDir);
    expect(second.stderr).toMatch(/in use by another executor/);
    expect(first.alive).toBe(true);
    expect(existsSync(join(first.workDir, '.lock'))).toBe(true);
  });

  it('fails a job whose bundle cannot load on the executors once, with the executor\'s reason', async () => {
    const host = await hostModules();
    const bundle = await bundleJob(fixture('executor-load-fails-job.ts'), {
      engineExports: Object.keys(host.engine), sharedModules: sharedExportNames(host.shared),
    });
    const session = await cluster.session({ executors: 3, conf: ['dataflow.task.maxAttempts=4'] });
    try {
      const loaded = await loadBundle(bundle, { workDir: session.workDir, engine: host.engine, sharedModules: host.shared });
      session.useBundle(bundle, loaded);
      const main = loaded.module.default as (s: Session) => Promise<void>;
      const error = await main(session).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(JobFailedError);
      const failure = (error as JobFailedError).failure;
      expect(failure.message).toMatch(/license file \/opt\/driver-only\.lic/);
      expect(failure.causes.map((c) => c.kind)).toContain('BundleLoadFailed');
      // not retried: no partition was launched more than once
      const launches = commandsOf(session, 'LaunchTask').map((c) => c.task.partition);
      expect(launches.length).toBe(new Set(launches).size);
      expect(launches.length).toBeLessThanOrEqual(4);
    } finally {
      await session.stop();
    }
    expect(cluster.liveExecutors()).toHaveLength(3); // the executors survive a bad bundle
  });
});

describe('standalone cluster: bad input', () => {
  it('refuses a cluster secret shorter than 16 characters however it arrives: $DATAFLOW_SECRET, --secret-file, Session.create', async () => {
    const port = await closedPort();
    const workDir = join(tmpdir(), `dataflow-secret-test-${process.pid}`);
    for (const command of [['master', '--port', '0'], ['executor', '--master', `127.0.0.1:${port}`, '--work-dir', workDir], ['submit', '--no-typecheck', fixture('word-count.ts'), '--master', `dataflow://127.0.0.1:${port}`]]) {
      const result = await runCli(command, { env: { DATAFLOW_SECRET: 'x' } });
      expect(result.code, command[0]).not.toBe(0);
      expect(result.stderr.trim(), command[0]).toBe('dataflow: $DATAFLOW_SECRET holds 1 characters; use at least 16 (e.g. export DATAFLOW_SECRET=$(openssl rand -hex 32))');
      expect(result.orphans, command[0]).toEqual([]);
    }
    expect(existsSync(workDir)).toBe(false);
    const secretFile = join(tmpdir(), `dataflow-secret-test-${process.pid}.txt`);
    writeFileSync(secretFile, 'short-secret\n');
    try {
      const result = await runCli(['master', '--port', '0', '--secret-file', secretFile]);
      expect(result.stderr.trim()).toBe(`dataflow: --secret-file ${secretFile} holds 12 characters; use at least 16 (e.g. openssl rand -hex 32 > ${secretFile})`);
    } finally {
      rmSync(secretFile, { force: true });
    }
    const saved = process.env.DATAFLOW_SECRET;
    try {
      process.env.DATAFLOW_SECRET = 'fifteen-chars!!';
      await expect(Session.create({ master: `dataflow://127.0.0.1:${port}` })).rejects.toThrow('$DATAFLOW_SECRET holds 15 characters; use at least 16');
      await expect(Session.create({ master: `dataflow://127.0.0.1:${port}`, secret: 'short' })).rejects.toThrow("Session.create's secret option holds 5 characters; use at least 16");
    } finally {
      if (saved === undefined) delete process.env.DATAFLOW_SECRET;
      else process.env.DATAFLOW_SECRET = saved;
    }
  });

  it('reports an unreachable master in one line naming host:port', async () => {
    const port = await closedPort();
    const submit = spawnDataflow('submit', ['submit', '--no-typecheck', fixture('word-count.ts'), '--master', `dataflow://127.0.0.1:${port}`], {
      env: { ...process.env, DATAFLOW_SECRET: 'any-secret-of-16-characters' },
    });
    const exit = await submit.exited;
    expect(exit.code).not.toBe(0);
    const lines = submit.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^dataflow: .*127\\.0\\.0\\.1:${port}`));
  });

  it('refuses to start a master on a recovery folder whose state file it did not write, in one line naming the file, leaving it as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dataflow-recovery-'));
    try {
      mkdirSync(join(dir, 'recovery'));
      const file = join(dir, 'recovery', 'master-state.json');
      writeFileSync(file, '{"apps": "not this"}');
      const master = spawnDataflow('master', ['master', '--port', '0', '--recovery-dir', join(dir, 'recovery')], {
        env: { ...process.env, DATAFLOW_SECRET: 'a-secret-of-sixteen-chars' },
      });
      const exit = await master.exited;
      expect(exit.code).not.toBe(0);
      const lines = master.stderr.trim().split('\n');
      expect(lines, master.output).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^dataflow: the master's recovery file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not one this master wrote .*remove it`));
      expect(master.stdout).not.toMatch(/listening/);
      expect(readFileSync(file, 'utf8')).toBe('{"apps": "not this"}');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an executor serving no application exits at once, naming the refusal, when its master comes back with another secret', async () => {
    const cluster = await TestCluster.start({ executors: 1 });
    try {
      const executor = cluster.executors.get('exec-1')!;
      await cluster.master.kill('SIGKILL');
      await cluster.restartMaster({ DATAFLOW_SECRET: 'another-secret-of-32-characters!' });
      const exit = await Promise.race([executor.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 20_000))]);
      expect(exit, executor.output).toEqual({ code: 1, signal: null });
      expect(executor.stderr).toMatch(new RegExp(`the master at 127\\.0\\.0\\.1:${cluster.masterPort} refused this executor \\(AUTH_FAILED\\)`));
    } finally {
      await cluster.stop();
    }
  });

  it('an executor whose master stays away exits after --reconnect-timeout-ms once it serves no application, removing its files', async () => {
    const cluster = await TestCluster.start({ executors: 1, executor: () => ({ args: ['--reconnect-timeout-ms', '1500'] }) });
    try {
      const executor = cluster.executors.get('exec-1')!;
      await cluster.master.kill('SIGKILL');
      const exit = await Promise.race([executor.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 20_000))]);
      expect(exit, executor.output).toEqual({ code: 1, signal: null });
      expect(executor.stderr).toMatch(new RegExp(`no master at 127\\.0\\.0\\.1:${cluster.masterPort} for 1500 ms and no application to serve`));
      expect(readdirSync(executor.workDir, { recursive: true }), `exec-1 left files behind; its output: ${executor.output}`).toEqual([]);
    } finally {
      await cluster.stop();
    }
  });
});

describe('standalone cluster: an executor started through bin/dataflow', () => {
  // `dataflow executor` as a user starts it (npx runs bin/dataflow) gets the malloc thresholds that
  // local[N] gives its executors (EXECUTOR_MALLOC_THRESHOLDS; bench/core measures why).
  it('runs with glibc malloc thresholds of its own, in the process the launcher exec-ed', async () => {
    const cluster = await TestCluster.start({ executors: 1, executor: () => ({ program: PROGRAM }) });
    try {
      const executor = cluster.executors.get('exec-1')!;
      const result = await cluster.submit([fixture('malloc-env-job.ts')]);
      expect(result.code, result.stderr).toBe(0);
      const { driver, tasks } = JSON.parse(result.stdout) as { driver: { mmap: string }; tasks: Array<{ pid: number; mmap: string; trim: string }> };
      expect(driver.mmap).toBe('unset'); // submitted through node bin/dataflow.mjs
      expect(tasks).toEqual(Array(4).fill({ pid: executor.child.pid, mmap: '33554432', trim: '67108864' }));
    } finally {
      await cluster.stop();
    }
  });
});
