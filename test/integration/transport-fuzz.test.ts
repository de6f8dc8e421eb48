// Fuzzing every listening port of a real standalone cluster (the master, the driver, each executor's
// block server), with TLS off and on: thousands of random and mutated frames per port from a seeded
// PRNG, before authentication and after a real one (a peer that knows the secret, then sends
// garbage). No process may crash, every connection must be closed or answered within a bound, the
// master's and executors' memory must stay bounded, and a job run during and after gives the right rows.
// Repeat a failing run with DATAFLOW_FUZZ_SEED=<the printed seed>.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../engine/index.ts';
import { TestCluster, listeningPorts } from '../helpers/cluster.ts';
import { shuffleJob, shuffleJobInProcess } from '../helpers/shuffle-job.ts';
import { Prng, brokenFrame, inWaves, rssBytes, sendBatch, wellFormedFrame } from '../helpers/frame-fuzz.ts';
import type { BatchOutcome, FuzzContext, Target } from '../helpers/frame-fuzz.ts';

const SEED = Number(process.env.DATAFLOW_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
console.log(`transport-fuzz seed ${SEED} (repeat with DATAFLOW_FUZZ_SEED=${SEED})`);

/** Unauthenticated connections per port (each a few frames: the server stops at the first bad one). */
const RAW_CONNECTIONS = 120;
/** Authenticated connections per port, each with this many frames after the handshake. */
const AUTH_CONNECTIONS = 20;
const FRAMES_PER_AUTH = 500;
/** A connection the server neither closes nor finishes with within this is a hang. */
const DEADLINE_MS = 20_000;
const RSS_GROWTH_BOUND = 100 * 1024 * 1024;

const job = shuffleJob;

let expected: string;
beforeAll(async () => { expected = await shuffleJobInProcess(); });

/** Frames for one port: raw batches first, then authenticated ones (ending half the time in a broken frame). */
async function fuzzPort(target: Target, rng: Prng, ctx: FuzzContext, secret: string, tls: boolean): Promise<{ frames: number; outcomes: BatchOutcome[] }> {
  const options = { secret, tls: tls ? { enabled: true } : { enabled: false }, deadlineMs: DEADLINE_MS };
  const tasks: Array<() => Promise<BatchOutcome>> = [];
  for (let i = 0; i < RAW_CONNECTIONS; i++) {
    const frames = Array.from({ length: 1 + rng.int(4) }, () => (rng.int(2) === 0 ? wellFormedFrame(rng, ctx) : brokenFrame(rng, ctx)));
    // with TLS on, half of them speak TLS properly and send their garbage inside it
    const stage = tls && i % 2 === 1 ? 'tls' : 'raw';
    tasks.push(() => sendBatch(target, frames, stage, options));
  }
  for (let i = 0; i < AUTH_CONNECTIONS; i++) {
    const frames = Array.from({ length: FRAMES_PER_AUTH }, () => wellFormedFrame(rng, ctx));
    if (rng.int(2) === 0) frames.push(brokenFrame(rng, ctx));
    tasks.push(() => sendBatch(target, frames, 'authenticated', options));
  }
  // at most 16 at once: below the listeners' cap of unauthenticated connections from one address
  const outcomes = await inWaves(tasks, 16);
  return { frames: outcomes.reduce((n, o) => n + o.frames, 0), outcomes };
}

describe.each([{ tls: false }, { tls: true }])('fuzzed frames against every port, TLS $tls', ({ tls }) => {
  let cluster: TestCluster;
  let session: Session;
  const targets: Target[] = [];

  beforeAll(async () => {
    cluster = await TestCluster.start({ executors: 2, processArgs: ['--tls', String(tls)] });
    session = await cluster.session({ executors: 2, conf: [`dataflow.tls.enabled=${tls}`] });
    const driver = cluster.master.output.match(/registered; driver at ([0-9.]+):(\d+)/);
    expect(driver).not.toBeNull();
    targets.push({ name: 'master', host: cluster.masterHost, port: cluster.masterPort });
    targets.push({ name: 'driver', host: driver![1]!, port: Number(driver![2]) });
    for (const e of cluster.liveExecutors()) targets.push({ name: `block server of ${e.id}`, host: '127.0.0.1', port: listeningPorts(e.pid)[0]! });
  });
  afterAll(async () => {
    await session?.stop();
    await cluster?.stop();
  });

  it('no crash, no hang, bounded memory, and the job gives the right rows during and after', async () => {
    const appId = /application (\S+) \(/.exec(cluster.master.output)?.[1];
    const ctx: FuzzContext = {
      known: { appId, executorId: [...cluster.executors.keys()][0], shuffleId: 0, reducePartition: 0, host: '127.0.0.1', cores: 1, protocol: 1, role: 'executor' },
    };
    expect(await job(session)).toBe(expected); // a shuffle exists for fetchBlocks to aim at
    const processes = [{ name: 'master', pid: cluster.master.pid }, ...cluster.liveExecutors().map((e) => ({ name: e.id, pid: e.pid }))];
    const before = processes.map((p) => rssBytes(p.pid));

    const rng = new Prng(SEED + (tls ? 1 : 0));
    // jobs one after another for as long as the fuzzing lasts, each must give the right rows
    let fuzzing = true;
    const during = (async () => {
      const runs: string[] = [];
      while (fuzzing) runs.push(await job(session));
      return runs;
    })();
    const results = [];
    try {
      for (const target of targets) results.push({ target, ...(await fuzzPort(target, rng, ctx, cluster.secret, tls)) });
    } finally {
      fuzzing = false;
    }
    const runs = await during;
    expect(runs.length).toBeGreaterThan(0);
    for (const rows of runs) expect(rows).toBe(expected);

    for (const { target, frames, outcomes } of results) {
      expect(frames, target.name).toBeGreaterThanOrEqual(10_000);
      const failures = outcomes.filter((o) => o.error !== undefined || !o.closedByServer);
      expect(failures.slice(0, 3), `${target.name}: connections not closed within ${DEADLINE_MS} ms or refused (seed ${SEED})`).toEqual([]);
    }
    expect(cluster.master.alive, cluster.master.output).toBe(true);
    // registrations without a reachable driver, or of executors without a name, are refused; the
    // well-formed fake executors (template frames) prove authenticated frames reached the handlers
    expect(cluster.master.output).not.toMatch(/driver at (undefined|null|\S*:NaN)/);
    expect(cluster.master.output).not.toMatch(/executor (undefined|null|,|\[object)\S* registered/);
    const longest = Math.max(...cluster.master.output.split('\n').map((line) => line.length));
    expect(longest, 'longest master log line').toBeLessThan(2_000);
    expect(cluster.master.output).toMatch(/executor fuzz-\d+ registered/);
    expect(cluster.liveExecutors().map((e) => e.id)).toEqual([...cluster.executors.keys()]);
    const after = processes.map((p) => rssBytes(p.pid));
    const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
    console.log(`TLS ${tls}: ${results.map((r) => `${r.target.name} ${r.frames} frames`).join(', ')}; ${runs.length} jobs during; ` +
      `RSS MB ${processes.map((p, i) => `${p.name} ${mb(before[i]!)} -> ${mb(after[i]!)}`).join(', ')}`);
    processes.forEach((p, i) => expect(after[i]! - before[i]!, `${p.name}: RSS ${before[i]} -> ${after[i]} bytes (seed ${SEED})`).toBeLessThan(RSS_GROWTH_BOUND));

    expect(await job(session)).toBe(expected);
  });
});
