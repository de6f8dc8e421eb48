// TLS between separate network hosts: a master and a driver on a bridge address, executors each in
// its own network namespace (test/helpers/netns.ts), so every connection is off loopback and TLS is
// on by default. Recording proxies between the master and its peers (the executors and the driver
// dial the master through them) keep what an eavesdropper would see: with TLS keyed by the cluster
// secret (the default) and by certificates valid for these addresses, only the clear 'starttls'
// opening naming the keying and then TLS records; the application's name and the registrations
// never. With TLS turned off the same wire shows them, so the checks can fail. Every run gives the rows of an in-process run.
// Needs root and `ip netns`; skipped with a message elsewhere.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session, count, sum } from '../../engine/index.ts';
import type { Row } from '../../engine/index.ts';
import { TestCluster, waitUntil } from '../helpers/cluster.ts';
import { NetnsLab } from '../helpers/netns.ts';
import { recordingProxy } from '../helpers/recording-proxy.ts';
import type { RecordingProxy } from '../helpers/recording-proxy.ts';
import { makeTestCertificates } from '../helpers/tls-certs.ts';
import type { CertFiles } from '../helpers/tls-certs.ts';

const EXECUTORS = 2;
const lab = new NetnsLab('t', 232, EXECUTORS);
const unsupported = lab.whyUnsupported();
if (unsupported) console.warn(`netns-tls.test.ts skipped: ${unsupported}`);

/** The application's name: it travels from the driver to the master in the registration. */
const MARKER = 'quarterly_revenue_by_region_netns';

const job = async (session: Session): Promise<string> => {
  const rows = await session.range(0, 20_000, { numPartitions: 4 })
    .map((r) => ({ k: Number(r.id) % 23, v: Number(r.id) }))
    .aggregateByKey(['k'], { n: count(), total: sum('v') }, { numPartitions: 3 }).collect();
  return JSON.stringify([...rows].sort((a: Row, b: Row) => Number(a.k) - Number(b.k)));
};

/** A TLS record header (content type, then version 3.x): 0x16 handshake, 0x17 application data. */
const record = (type: number): Buffer => Buffer.from([type, 0x03]);

describe.skipIf(unsupported !== undefined)('TLS between network namespaces', () => {
  let certs: CertFiles;
  let expected: string;

  beforeAll(async () => {
    lab.setup();
    certs = makeTestCertificates([lab.bridgeAddress, ...Array.from({ length: EXECUTORS }, (_, i) => lab.nsAddress(i))]);
    const local = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false'] });
    try {
      expected = await job(local);
    } finally {
      await local.stop();
    }
  });
  afterAll(() => {
    certs?.remove();
    lab.teardown();
    expect(lab.leftovers()).toBe(false);
  });

  const certArgs = (): string[] => ['--tls-cert', certs.cert, '--tls-key', certs.key, '--tls-ca', certs.ca];
  const certConf = (): string[] => [`dataflow.tls.cert=${certs.cert}`, `dataflow.tls.key=${certs.key}`, `dataflow.tls.ca=${certs.ca}`];

  it.each([
    { keying: 'psk', what: 'keyed by the cluster secret (the default off loopback)', args: (): string[] => [], conf: (): string[] => [] },
    { keying: 'cert', what: 'keyed by certificates', args: certArgs, conf: certConf },
    { keying: 'off', what: 'turned off (the control: the same wire shows the name)', args: (): string[] => ['--tls', 'false'], conf: (): string[] => ['dataflow.tls.enabled=false'] },
  ])('TLS $what: a shuffle across namespaces gives the right rows; the master links carry $keying', async ({ keying, args, conf }) => {
    const proxies: RecordingProxy[] = [];
    let cluster: TestCluster | undefined;
    let session: Session | undefined;
    try {
      cluster = await TestCluster.start({ executors: 0, masterHost: lab.bridgeAddress, processArgs: args() });
      const master = { host: cluster.masterHost, port: cluster.masterPort };
      const forExecutors = await recordingProxy(master, lab.bridgeAddress);
      const forDriver = await recordingProxy(master, lab.bridgeAddress);
      proxies.push(forExecutors, forDriver);
      for (let i = 0; i < EXECUTORS; i++) {
        await cluster.startExecutor({ id: `ns-exec-${i}`, host: lab.nsAddress(i), prefix: lab.prefix(i), masterAddress: `${lab.bridgeAddress}:${forExecutors.port}` });
      }
      session = await Session.create({
        master: `dataflow://${lab.bridgeAddress}:${forDriver.port}`, secret: cluster.secret, appName: MARKER,
        conf: ['dataflow.ui.progress=false', `dataflow.driver.host=${lab.bridgeAddress}`, 'dataflow.network.heartbeatIntervalMs=250', ...conf()],
      });
      await waitUntil(() => session!.driver.executorCount === EXECUTORS, `${EXECUTORS} executors in the application`, 30_000);
      expect(await job(session)).toBe(expected);
      await session.stop();
      session = undefined;

      // what each link carries in clear: the executors' registrations, the application's name
      const links = [['executors ↔ master', forExecutors, 'registerExecutor'], ['driver ↔ master', forDriver, MARKER]] as const;
      for (const [name, proxy, clear] of links) {
        const wire = proxy.recorded();
        expect(wire.length, name).toBeGreaterThan(500);
        if (keying === 'off') {
          expect(wire.includes(clear), name).toBe(true);
          expect(wire.includes('"type":"starttls"'), name).toBe(false);
        } else {
          expect(wire.includes(`"type":"starttls","protocol":1,"tls":"${keying}"`), `${name}: ${wire.subarray(0, 80).toString('latin1')}`).toBe(true);
          expect(wire.includes(record(0x16)), name).toBe(true);
          expect(wire.includes(record(0x17)), name).toBe(true);
          expect(wire.includes(clear), name).toBe(false);
          expect(wire.includes(MARKER), name).toBe(false);
          expect(wire.includes('"type":"hello"'), name).toBe(false);
          expect(wire.includes('register'), name).toBe(false);
        }
      }
    } finally {
      await session?.stop();
      for (const proxy of proxies) await proxy.close();
      await cluster?.stop();
    }
  });
});
