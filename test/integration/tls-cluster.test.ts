// TLS on real clusters on 127.0.0.1 with TLS forced on: local[2], and a standalone master with two
// executors keyed by the cluster secret or by throwaway certificates, each runs a job with a shuffle
// and gives the same rows as an in-process run. A recording proxy between the driver and the master
// shows the application's name on the wire with TLS off (the default on loopback) and not with TLS
// on; an executor with the wrong secret or an untrusted certificate, and a driver with TLS off,
// fail at once with an error naming the address and what to change.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../engine/index.ts';
import { join } from 'node:path';
import { TestCluster, spawnDataflow } from '../helpers/cluster.ts';
import { recordingProxy } from '../helpers/recording-proxy.ts';
import { shuffleJob, shuffleJobInProcess } from '../helpers/shuffle-job.ts';
import { makeTestCertificates } from '../helpers/tls-certs.ts';
import type { CertFiles } from '../helpers/tls-certs.ts';

/** The application's name: it travels from the driver to the master in the registration. */
const MARKER = 'quarterly_revenue_by_region_job';

const job = shuffleJob;

let expected: string;
let certs: CertFiles;
beforeAll(async () => {
  certs = makeTestCertificates();
  expected = await shuffleJobInProcess();
});
afterAll(() => certs?.remove());

/** A driver of `cluster` reached through a recording proxy in front of its master. */
async function proxiedSession(cluster: TestCluster, conf: string[]) {
  const proxy = await recordingProxy({ host: cluster.masterHost, port: cluster.masterPort });
  const session = await Session.create({
    master: `dataflow://127.0.0.1:${proxy.port}`, secret: cluster.secret, appName: MARKER,
    conf: ['dataflow.ui.progress=false', 'dataflow.network.heartbeatIntervalMs=250', ...conf],
  });
  return { proxy, session };
}

describe('local[2] with TLS forced on', () => {
  it('runs a shuffle with the same result', async () => {
    const session = await Session.create({ master: 'local[2]', conf: ['dataflow.ui.progress=false', 'dataflow.tls.enabled=true'] });
    try {
      expect(await job(session)).toBe(expected);
      expect(session.driver.executorCount).toBe(2);
    } finally {
      await session.stop();
    }
  });

  it('really runs TLS between the driver and its executors: a certificate the CA did not sign keeps them out', async () => {
    const attempt = Session.create({
      master: 'local[2]',
      conf: ['dataflow.ui.progress=false', 'dataflow.tls.enabled=true', `dataflow.tls.cert=${certs.otherCert}`, `dataflow.tls.key=${certs.otherKey}`, `dataflow.tls.ca=${certs.ca}`],
    });
    await expect(attempt).rejects.toThrow(/executor exec-\d exited with code 1 before registering with the driver: dataflow: TLS handshake with dataflow endpoint 127\.0\.0\.1:\d+ failed/);
  });
});

describe('the cluster secret', () => {
  it('from $DATAFLOW_SECRET needs 16 characters, as from --secret-file', async () => {
    const master = spawnDataflow('short-secret', ['master', '--port', '0'], { env: { ...process.env, DATAFLOW_SECRET: 'abc' } });
    expect((await master.exited).code).toBe(1);
    expect(master.stderr).toMatch(/^dataflow: \$DATAFLOW_SECRET holds 3 characters; use at least 16/);
  });
});

describe('standalone on loopback, TLS off by default', () => {
  let cluster: TestCluster;
  beforeAll(async () => { cluster = await TestCluster.start({ executors: 1 }); });
  afterAll(async () => { await cluster?.stop(); });

  it('puts the application name on the wire in clear text (so the checks below can fail)', async () => {
    const { proxy, session } = await proxiedSession(cluster, []);
    try {
      expect(await job(session)).toBe(expected);
    } finally {
      await session.stop();
      await proxy.close();
    }
    expect(proxy.recorded().includes(MARKER)).toBe(true);
  });
});

describe('standalone on loopback with TLS forced on, keyed by the cluster secret', () => {
  let cluster: TestCluster;
  beforeAll(async () => { cluster = await TestCluster.start({ executors: 2, processArgs: ['--tls', 'true'] }); });
  afterAll(async () => { await cluster?.stop(); });

  it('runs a shuffle with the same result, and the wire shows none of it', async () => {
    const { proxy, session } = await proxiedSession(cluster, ['dataflow.tls.enabled=true']);
    try {
      expect(await job(session)).toBe(expected);
      expect(session.driver.executorCount).toBe(2);
    } finally {
      await session.stop();
      await proxy.close();
    }
    const wire = proxy.recorded();
    expect(wire.length).toBeGreaterThan(500);
    expect(wire.includes(MARKER)).toBe(false);
    expect(wire.includes('registerApp')).toBe(false);
  });

  it('a driver with TLS off is told at once what to change', async () => {
    const attempt = Session.create({ master: cluster.url, secret: cluster.secret, conf: ['dataflow.ui.progress=false'] });
    await expect(attempt).rejects.toThrow(
      new RegExp(`dataflow master at ${cluster.masterHost}:${cluster.masterPort}: dataflow endpoint 127\\.0\\.0\\.1:\\d+ requires TLS but this endpoint has TLS off.*dataflow\\.tls\\.enabled`),
    );
  });

  it('an executor with another secret exits at once naming the master and the secret', async () => {
    const executor = spawnDataflow('wrong-secret', executorArgs(cluster, 'wrong-secret', ['--tls', 'true']), {
      env: { ...cluster.env, DATAFLOW_SECRET: `${cluster.secret}-other` },
    });
    const exit = await executor.exited;
    expect(exit.code).toBe(1);
    expect(executor.stderr).toMatch(new RegExp(`^dataflow: TLS handshake with dataflow endpoint ${cluster.masterHost}:${cluster.masterPort} failed: .*different secrets`));
  });
});

describe('standalone on loopback with TLS forced on, keyed by certificates', () => {
  let cluster: TestCluster;
  const certArgs = (): string[] => ['--tls', 'true', '--tls-cert', certs.cert, '--tls-key', certs.key, '--tls-ca', certs.ca];
  beforeAll(async () => { cluster = await TestCluster.start({ executors: 2, processArgs: certArgs() }); });
  afterAll(async () => { await cluster?.stop(); });

  it('runs a shuffle with the same result, and the wire shows none of it', async () => {
    const { proxy, session } = await proxiedSession(cluster, [
      'dataflow.tls.enabled=true', `dataflow.tls.cert=${certs.cert}`, `dataflow.tls.key=${certs.key}`, `dataflow.tls.ca=${certs.ca}`,
    ]);
    try {
      expect(await job(session)).toBe(expected);
      expect(session.driver.executorCount).toBe(2);
    } finally {
      await session.stop();
      await proxy.close();
    }
    const wire = proxy.recorded();
    expect(wire.length).toBeGreaterThan(500);
    expect(wire.includes(MARKER)).toBe(false);
  });

  it('an executor whose certificate another CA signed exits at once saying what to check', async () => {
    const executor = spawnDataflow('other-ca', executorArgs(cluster, 'other-ca', [
      '--tls', 'true', '--tls-cert', certs.otherCert, '--tls-key', certs.otherKey, '--tls-ca', certs.otherCa,
    ]), { env: cluster.env });
    const exit = await executor.exited;
    expect(exit.code).toBe(1);
    expect(executor.stderr).toMatch(new RegExp(`^dataflow: TLS handshake with dataflow endpoint ${cluster.masterHost}:${cluster.masterPort} failed: .*--tls-ca`));
  });

  it('an executor given only part of the certificate options is refused before it dials', async () => {
    const executor = spawnDataflow('half', executorArgs(cluster, 'half', ['--tls', 'true', '--tls-cert', certs.cert]), { env: cluster.env });
    expect((await executor.exited).code).toBe(1);
    expect(executor.stderr).toMatch(/^dataflow: TLS certificates need --tls-cert, --tls-key and --tls-ca together; --tls-key and --tls-ca missing/);
  });
});

function executorArgs(cluster: TestCluster, id: string, extra: string[]): string[] {
  return ['executor', '--master', `${cluster.masterHost}:${cluster.masterPort}`, '--executor-id', id, '--work-dir', join(cluster.dir, `work-${id}`), ...extra];
}
