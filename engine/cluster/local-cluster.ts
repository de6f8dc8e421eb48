// `--master local[N]`: N executor processes on this machine that connect back to the driver over
// TCP on 127.0.0.1 with the same protocol and handshake remote executors use, so local mode tests
// the real path. The cluster secret is made per session and reaches children by environment, never
// on a command line that `ps` shows.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineConfig } from '../config.ts';
import { DataflowError } from '../errors.ts';
import type { Driver } from './driver.ts';
import type { DriverServices } from './driver-services.ts';
import { DriverEndpoint } from './driver-endpoint.ts';
import { executorMemoryBytes } from '../executor/memory-limit.ts';
import { SECRET_ENV } from '../protocol/index.ts';

const BIN = fileURLToPath(new URL('../../bin/dataflow.mjs', import.meta.url));
const STOP_GRACE_MS = 5_000;

interface Child { id: string; process: ChildProcess; stderrTail: string; exited: boolean }

export class LocalCluster {
  private readonly children: Child[] = [];

  private constructor(private readonly endpoint: DriverEndpoint) {}

  static async start(options: { executors: number; driver: Driver; services: DriverServices; workDir: string; config: EngineConfig }): Promise<LocalCluster> {
    const secret = randomBytes(32).toString('hex');
    const endpoint = await DriverEndpoint.start({ driver: options.driver, services: options.services, secret, config: options.config });
    const cluster = new LocalCluster(endpoint);
    try {
      const timeoutMs = options.config['dataflow.executor.registrationTimeoutMs'];
      await new Promise<void>((resolve, reject) => {
        const memory = executorMemoryBytes(options.config, options.executors);
        cluster.spawnAll(options.executors, endpoint.port, secret, options.workDir, memory, options.config['dataflow.executor.extraNodeOptions'], reject);
        endpoint.waitForExecutors(options.executors, timeoutMs,
          () => `only ${endpoint.executors.size} of ${options.executors} executors registered within ${timeoutMs} ms; on a slow or busy machine ` +
            `give them longer with --conf dataflow.executor.registrationTimeoutMs=${timeoutMs * 2}`)
          .then(resolve, (error: Error) => reject(new DataflowError('EXECUTOR_START', error.message)));
      });
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  private spawnAll(n: number, port: number, secret: string, workDir: string, memoryBytes: number, nodeOptions: string, fail: (e: Error) => void): void {
    for (let i = 0; i < n; i++) {
      const id = `exec-${i + 1}`;
      const child = spawn(process.execPath, [
        ...nodeOptions.split(/\s+/).filter(Boolean), BIN,
        'executor', '--driver', `127.0.0.1:${port}`, '--executor-id', id, '--work-dir', join(workDir, id), '--cores', '1',
        '--memory', String(memoryBytes),
      ], { stdio: ['ignore', 'inherit', 'pipe'], env: { ...process.env, [SECRET_ENV]: secret } });
      const entry: Child = { id, process: child, stderrTail: '', exited: false };
      this.children.push(entry);
      // An executor's stderr is forwarded once it has registered; before that it is kept, and a
      // failure to start is reported once, in the driver's own error line.
      child.stderr?.on('data', (chunk: Buffer) => {
        entry.stderrTail = (entry.stderrTail + chunk.toString('utf8')).slice(-2000);
        if (this.endpoint.executors.has(id)) process.stderr.write(chunk);
      });
      child.on('exit', () => { entry.exited = true; });
      // 'close', not 'exit': only then has all of its stderr been read, so the reason is in the tail.
      child.on('close', (code, signal) => {
        entry.exited = true;
        if (this.endpoint.executors.has(id)) return;
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const lines = entry.stderrTail.split('\n').map((l) => l.trim()).filter(Boolean);
        const tail = lines.find((l) => /error/i.test(l)) ?? lines[lines.length - 1];
        fail(new DataflowError('EXECUTOR_START', `executor ${id} ${how} before registering with the driver${tail ? `: ${tail}` : ''}`));
      });
      child.on('error', (error) => fail(new DataflowError('EXECUTOR_START', `could not start executor ${id}: ${error.message}`)));
    }
  }

  /** The executor processes' ids and pids (tests kill them to exercise recovery). */
  get processes(): Array<{ id: string; pid: number | undefined; exited: boolean }> {
    return this.children.map((c) => ({ id: c.id, pid: c.process.pid, exited: c.exited }));
  }

  /** Asks every executor to stop, kills the ones that do not within a grace period, closes the endpoint. */
  async stop(): Promise<void> {
    await this.endpoint.close();
    await Promise.all(this.children.map((child) => waitForExit(child, STOP_GRACE_MS)));
  }
}

function waitForExit(child: Child, graceMs: number): Promise<void> {
  if (child.exited || child.process.exitCode !== null || child.process.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
    child.process.once('exit', () => { clearTimeout(timer); resolve(); });
  });
}
