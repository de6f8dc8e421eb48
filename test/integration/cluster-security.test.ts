// Every endpoint of a standalone cluster (the master, a driver, an executor's block server) refuses
// peers without the secret: plain TCP speaking the protocol without authenticating, a wrong secret,
// random bytes, a silent peer; and closes authenticated connections that send frames above the size
// limit or malformed frames. The processes stay up and a job running meanwhile is unaffected.

import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { count, sum } from '../../engine/index.ts';
import type { Row, Session } from '../../engine/index.ts';
import { FrameDecoder, HandshakeError, clientHandshake, connect, encodeFrame } from '../../engine/transport/index.ts';
import type { MessageHeader } from '../../engine/transport/index.ts';
import { TestCluster, commandsOf, listeningPorts, waitUntil } from '../helpers/cluster.ts';
import { encodeBody } from '../../engine/protocol/index.ts';
import { eventsOf } from '../../engine/cluster/listener-bus.ts';

interface Endpoint { name: string; host: string; port: number }

interface RawOutcome {
  /** The server closed the connection before the deadline. */
  closed: boolean;
  /** Handshake-sized frames the server sent (hello, refused, ...). */
  received: MessageHeader[];
}

/**
 * Opens a plain TCP connection, lets `act` write to it (after an optional real handshake with
 * `secret`), and reports whether the server closed it within `deadlineMs`.
 */
async function rawSession(endpoint: Endpoint, act: (socket: net.Socket) => void, options: { secret?: string; deadlineMs?: number } = {}): Promise<RawOutcome> {
  const socket = net.connect({ host: endpoint.host, port: endpoint.port });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  const closed = new Promise<boolean>((resolve) => socket.once('close', () => resolve(true)));
  const received: MessageHeader[] = [];
  if (options.secret) {
    await clientHandshake(socket, { secret: options.secret, role: 'executor' });
    socket.resume(); // read (and drop) whatever the server sends, so its FIN is seen
  } else {
    const decoder = new FrameDecoder({ maxFrameBytes: 1 << 20 });
    socket.on('data', (chunk: Buffer) => { try { for (const m of decoder.push(chunk)) received.push(m.header); } catch { /* not frames */ } });
  }
  act(socket);
  const deadline = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), options.deadlineMs ?? 8_000));
  const outcome = await Promise.race([closed, deadline]);
  socket.destroy();
  return { closed: outcome, received };
}

const frame = (header: MessageHeader): Buffer => Buffer.concat(encodeFrame({ header }));

/** An 8-byte frame prefix declaring `headerBytes` + `bodyBytes`. */
function prefix(headerBytes: number, bodyBytes: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(headerBytes, 0);
  b.writeUInt32BE(bodyBytes, 4);
  return b;
}

/** Every attack on one endpoint; each must end with the connection closed by the server. */
async function attack(endpoint: Endpoint, secret: string): Promise<void> {
  const [noSecret, randomJunk, hugePreAuth, silent, hugeFrame, badJson, wrongSecret] = await Promise.all([
    // speaks the protocol but skips authentication: sends a request instead of 'auth'
    rawSession(endpoint, (s) => s.write(frame({ type: 'registerExecutor', executorId: 'intruder', cores: 64 }))),
    rawSession(endpoint, (s) => s.write(randomBytes(64 * 1024))),
    // before authentication only small frames are accepted
    rawSession(endpoint, (s) => s.write(prefix(100, 64 << 20))),
    // connects and says nothing: dropped at the handshake deadline
    rawSession(endpoint, () => undefined, { deadlineMs: 12_000 }),
    // authenticated, then a frame above the 512 MiB limit
    rawSession(endpoint, (s) => s.write(prefix(16, 0xffff_fff0)), { secret }),
    // authenticated, then a frame whose header is not JSON
    rawSession(endpoint, (s) => { s.write(prefix(9, 0)); s.write('{not json'); }, { secret }),
    connect({ host: endpoint.host, port: endpoint.port, secret: `${secret}-wrong`, role: 'executor', timeoutMs: 5_000 }).then(
      (conn) => { void conn.close(); return undefined; },
      (error: unknown) => error,
    ),
  ]);
  const where = `${endpoint.name} at ${endpoint.host}:${endpoint.port}`;
  expect(noSecret.closed, `${where}: unauthenticated request`).toBe(true);
  expect(noSecret.received.map((h) => h.type), where).toEqual(['hello', 'refused']);
  expect(randomJunk.closed, `${where}: random bytes`).toBe(true);
  expect(randomJunk.received.map((h) => h.type)).not.toContain('welcome');
  expect(hugePreAuth.closed, `${where}: large frame before auth`).toBe(true);
  expect(silent.closed, `${where}: silent peer`).toBe(true);
  expect(hugeFrame.closed, `${where}: frame above the limit`).toBe(true);
  expect(badJson.closed, `${where}: malformed frame`).toBe(true);
  expect(wrongSecret, `${where}: wrong secret`).toBeInstanceOf(HandshakeError);
  expect((wrongSecret as HandshakeError).code).toBe('AUTH_FAILED');
}

describe('cluster security: unauthenticated and malformed peers', () => {
  let cluster: TestCluster;
  let session: Session;
  let driverEndpoint: Endpoint;
  /** A job run over and over while the attacks go on; each result is checked. */
  let background: { stop: () => void; done: Promise<{ runs: number; wrong: number }> };

  const job = (s: Session): Promise<Row[]> =>
    s.range(0, 6_000, { numPartitions: 6 }).map((r) => ({ k: Number(r.id) % 17, v: Number(r.id) }))
      .aggregateByKey(['k'], { n: count(), total: sum('v') }, { numPartitions: 3 }).collect();
  const canonical = (rows: Row[]): string => JSON.stringify([...rows].sort((a, b) => Number(a.k) - Number(b.k)));

  beforeAll(async () => {
    cluster = await TestCluster.start({ executors: 2 });
    session = await cluster.session({ executors: 2 });
    const drivers = [...cluster.master.stdout.matchAll(/driver at ([0-9.]+):([0-9]+)/g)];
    const last = drivers[drivers.length - 1]!;
    driverEndpoint = { name: 'driver endpoint', host: last[1]!, port: Number(last[2]) };
    const expected = canonical(await job(session));
    let stopped = false;
    background = {
      stop: () => { stopped = true; },
      done: (async () => {
        let runs = 0;
        let wrong = 0;
        while (!stopped || runs === 0) {
          if (canonical(await job(session)) !== expected) wrong++;
          runs++;
          await new Promise((r) => setTimeout(r, 100));
        }
        return { runs, wrong };
      })(),
    };
  });
  afterAll(async () => {
    background?.stop();
    await background?.done.catch(() => undefined);
    await session?.stop();
    await cluster?.stop();
  });

  it('the master, the driver endpoint and every executor block server refuse every bad peer', async () => {
    const endpoints: Endpoint[] = [{ name: 'master', host: cluster.masterHost, port: cluster.masterPort }, driverEndpoint];
    for (const executor of cluster.liveExecutors()) {
      const ports = listeningPorts(executor.pid);
      expect(ports, `${executor.id} should listen on exactly one port (its block server)`).toHaveLength(1);
      endpoints.push({ name: `block server of ${executor.id}`, host: '127.0.0.1', port: ports[0]! });
    }
    // all at once: the silent peers' handshake deadlines then overlap
    await Promise.all(endpoints.map((endpoint) => attack(endpoint, cluster.secret)));
    expect(cluster.master.alive).toBe(true);
    expect(cluster.master.stdout).toMatch(/refused 127\.0\.0\.1:\d+: .*(secret|authentic)/);
  });

  it('the driver closes a peer with the secret whose registration cannot name an executor, and launches nothing on it', async () => {
    const bad = [
      { executorId: 'no-host', port: 4242, slots: 1, pid: 4242 }, // no host: its tasks' lines could not be written to the event log
      { executorId: ['array'], host: '127.0.0.1', port: 4242, slots: 1, pid: 4242 },
      { executorId: 'bad-port', host: '127.0.0.1', port: 'x', slots: 1, pid: 4242 },
      { executorId: 'no-slots', host: '127.0.0.1', port: 4242, slots: 0, pid: 4242 },
    ];
    for (const fields of bad) {
      const conn = await connect({ host: driverEndpoint.host, port: driverEndpoint.port, secret: cluster.secret, role: 'executor' });
      await conn.send({ header: { type: 'register', ...fields } });
      await expect(Promise.race([conn.whenClosed().then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open'), 10_000))])).resolves.toBe('closed');
    }
    expect(session.driver.executorCount).toBe(2);
    expect(commandsOf(session, 'LaunchTask').map((c) => c.task.executorId).filter((id) => !cluster.executors.has(id))).toEqual([]);
  });

  it('the driver refuses a peer with the secret that registers under a live executor\'s name, so its close loses nothing', async () => {
    // The transport fuzz once did this: its close then lost the real executor's tasks, and the job failed.
    const live = [...cluster.executors.keys()];
    for (const executorId of live) {
      const conn = await connect({ host: driverEndpoint.host, port: driverEndpoint.port, secret: cluster.secret, role: 'executor' });
      await conn.send({ header: { type: 'register', executorId, host: '127.0.0.1', port: 4242, slots: 1, pid: process.pid } });
      await expect(Promise.race([conn.whenClosed().then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open'), 10_000))])).resolves.toBe('closed');
    }
    const rows = canonical(await job(session)); // a job later, any loss has been seen
    expect(session.driver.executorCount).toBe(2);
    expect(rows).toBe(canonical(await job(session)));
  });

  it('the driver ignores a registered peer\'s reports about tasks that run on other executors', async () => {
    // Any peer with the secret may register as an executor of its own name; before this, its
    // taskFailed for a task running elsewhere failed that task (the transport fuzz sends such reports).
    const forged: string[] = [];
    const unsubscribe = session.driver.bus.subscribe({ onEvents: (events) => { for (const e of eventsOf(events)) if (JSON.stringify(e).includes('forged')) forged.push(JSON.stringify(e)); } });
    const conn = await connect({ host: driverEndpoint.host, port: driverEndpoint.port, secret: cluster.secret, role: 'executor' });
    const launched: number[] = [];
    conn.onMessage((msg) => { if (msg.header.type === 'launchTask') launched.push(Number(msg.header.taskId)); });
    // One slot: the background jobs give it a task it never finishes, and then nothing more.
    await conn.send({ header: { type: 'register', executorId: 'impostor', host: '127.0.0.1', port: 4242, slots: 1, pid: process.pid } });
    try {
      await waitUntil(() => launched.length === 1, 'a task launched on the impostor by the background jobs', 30_000);
      // A slow job, all on the real executors: while its tasks run, the impostor reports each failed.
      const slow = session.range(0, 4, { numPartitions: 4 }).map((r) => { const until = Date.now() + 300; while (Date.now() < until); return r; }).count();
      const reported = new Set<number>();
      const forging = setInterval(() => {
        for (const c of commandsOf(session, 'LaunchTask')) {
          if (c.task.executorId === 'impostor' || reported.has(c.task.taskId)) continue;
          reported.add(c.task.taskId);
          void conn.send({ header: { type: 'taskFailed', taskId: c.task.taskId }, body: encodeBody({ kind: 'UserCodeError', message: 'forged by a peer' }) }).catch(() => undefined);
        }
      }, 20);
      try {
        expect(await slow).toBe(4);
      } finally {
        clearInterval(forging);
      }
    } finally {
      await conn.close(); // its task is lost with it and runs again elsewhere
    }
    const rows = canonical(await job(session));
    unsubscribe();
    expect(forged).toEqual([]);
    expect(rows).toBe(canonical(await job(session)));
  });

  it('the job that ran meanwhile was unaffected, and every process is still up', async () => {
    background.stop();
    const { runs, wrong } = await background.done;
    expect(runs).toBeGreaterThan(0);
    expect(wrong).toBe(0);
    expect(commandsOf(session, 'StageResubmitted')).toEqual([]);
    expect(commandsOf(session, 'JobFailed')).toEqual([]);
    expect(session.driver.executorCount).toBe(2);
    expect(cluster.master.alive).toBe(true);
    expect(cluster.liveExecutors()).toHaveLength(2);
    // and the cluster still accepts a well-behaved peer
    const conn = await connect({ host: cluster.masterHost, port: cluster.masterPort, secret: cluster.secret, role: 'probe' });
    await conn.close();
  });
});
