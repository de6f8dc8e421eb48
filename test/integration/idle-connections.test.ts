// Hostile load on a standalone cluster whose processes may open only 256 files (prlimit): 400 idle
// TCP connections against the master and against each executor's block server, then a real
// `dataflow submit` while they are open. The listeners keep at most their cap of unauthenticated
// connections (closing the oldest), so the job's own connections find room; the master logs the
// refusals at a bounded rate.

import net from 'node:net';
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { TestCluster, ROOT, listeningPorts } from '../helpers/cluster.ts';

const OPEN_FILES = 256;
const IDLE = 400;
const CAP = 32; // the default maxUnauthenticatedPerAddress (every connection here is from 127.0.0.1; 64 overall)
const prefix = ['prlimit', `--nofile=${OPEN_FILES}:${OPEN_FILES}`, '--'];
const job = join(ROOT, 'test/fixtures/jobs/word-count.ts');

interface Target { name: string; port: number; pid: number }

/** `count` idle connections to `port`; `closed` counts the ones the server closed. */
async function idleFlood(port: number, count: number): Promise<{ closed: () => number; stop: () => void }> {
  const sockets: net.Socket[] = [];
  let closed = 0;
  await Promise.all(Array.from({ length: count }, () => new Promise<void>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.resume();
    socket.once('close', () => { closed++; resolve(); });
    socket.once('connect', () => resolve());
  })));
  return { closed: () => closed, stop: () => { for (const s of sockets) s.destroy(); } };
}

/** Sockets a process holds open (Linux /proc). */
function openSockets(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try { return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:'); } catch { return false; }
  }).length;
}

describe(`idle unauthenticated connections (master and executors limited to ${OPEN_FILES} open files)`, () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start({ executors: 2, masterPrefix: prefix, executor: () => ({ prefix }) });
  });
  afterAll(async () => { await cluster?.stop(); });

  it(`a submit works while ${IDLE} idle connections hit the master and each block server; the idle ones are closed`, async () => {
    const expected = await cluster.submit([job, '--', '2'], { master: 'local' });
    expect(expected.code, expected.stderr).toBe(0);
    expect(expected.stdout).toMatch(/"word":"fox"/);

    const targets: Target[] = [{ name: 'master', port: cluster.masterPort, pid: cluster.master.pid }];
    for (const e of cluster.liveExecutors()) targets.push({ name: `block server of ${e.id}`, port: listeningPorts(e.pid)[0]!, pid: e.pid });
    const floods = await Promise.all(targets.map((t) => idleFlood(t.port, IDLE)));
    try {
      // each listener closes all but its cap at once, well before the handshake deadline
      const deadline = Date.now() + 4_000;
      while (floods.some((f) => f.closed() < IDLE - CAP) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      targets.forEach((t, i) => expect(floods[i]!.closed(), `${t.name}: idle connections closed`).toBeGreaterThanOrEqual(IDLE - CAP));
      // and holds no more sockets than its cap and its own (authenticated) connections
      for (const t of targets) expect(openSockets(t.pid), t.name).toBeLessThan(CAP + 20);

      const run = await cluster.submit([job, '--', '2']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe(expected.stdout);
    } finally {
      for (const f of floods) f.stop();
    }
    expect(cluster.master.alive).toBe(true);
    expect(cluster.liveExecutors()).toHaveLength(2);
    // hundreds refused, a few lines logged: the first of each kind, then a count per 10 s
    const summary = await cluster.master.waitFor(/refused (\d+) more peer connections within 10 s/, 15_000);
    expect(Number(summary[1])).toBeGreaterThanOrEqual(IDLE - CAP - 1); // the first one had its own line
    const refusals = cluster.master.stdout.split('\n').filter((l) => / refused /.test(l));
    expect(refusals.length, refusals.join('\n')).toBeGreaterThan(0);
    expect(refusals.length, refusals.join('\n')).toBeLessThan(10);
  });
});
