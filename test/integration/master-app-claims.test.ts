// Who may register again as a running application on a real master (in this process, over TCP): the
// driver that registered it, from any new connection; not another peer that knows the cluster secret
// while that driver is still connected (it would take the application over and could end it).
// Found by transport-fuzz.test.ts with seed 1158729115: a fuzzed registerApp carrying the real appId.

import { afterEach, describe, expect, it } from 'vitest';
import { Master } from '../../engine/cluster/master-process.ts';
import { MasterMessage } from '../../engine/protocol/index.ts';
import { connect, type Connection, type MessageHeader } from '../../engine/transport/index.ts';
import { waitUntil } from '../helpers/cluster.ts';

const SECRET = 'app-claims-secret';
const opened: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const c of opened.splice(0).reverse()) await c.close().catch(() => undefined);
});

async function driverConnection(master: Master): Promise<Connection> {
  const conn = await connect({ host: master.host, port: master.port, secret: SECRET, role: 'driver', timeoutMs: 5_000 });
  opened.push(conn);
  return conn;
}

const registration = (driverPort: number, appId?: string): MessageHeader =>
  ({ type: MasterMessage.registerApp, appName: 'claims', driverHost: '127.0.0.1', driverPort, maxCores: 1, ...(appId ? { appId } : {}) });

/** A master in this process with one application registered by a driver said to listen on `driverPort`. */
async function registeredApp(driverPort: number): Promise<{ master: Master; lines: string[]; owner: Connection; appId: string }> {
  const lines: string[] = [];
  const master = await Master.start({ secret: SECRET, log: (line) => lines.push(line) });
  opened.push(master);
  const owner = await driverConnection(master);
  const appId = String((await owner.request({ header: registration(driverPort) })).header.appId);
  return { master, lines, owner, appId };
}

describe('registering again as a running application', () => {
  it('is refused to another driver while the application\'s driver is connected, and its unregisterApp is ignored', async () => {
    const { master, lines, owner, appId } = await registeredApp(40_001);
    const other = await driverConnection(master);
    const refusal = `application ${appId} is registered by a connected driver at 127.0.0.1:40001; a driver at 127.0.0.1:40002 cannot register again as it`;
    await expect(other.request({ header: registration(40_002, appId) })).rejects.toThrow(refusal);
    await other.send({ header: { type: MasterMessage.unregisterApp, appId } });
    // a request after it on the same connection is answered after it was handled: the application is still there
    await expect(other.request({ header: registration(40_002, appId) })).rejects.toThrow(refusal);
    await owner.request({ header: registration(40_001, appId) });
    expect(lines.join('\n')).not.toContain(`application ${appId} finished`);
    expect(owner.isClosed).toBe(false);

    // the owner ends it: then it is finished
    await owner.send({ header: { type: MasterMessage.unregisterApp, appId } });
    await waitUntil(() => lines.some((l) => l.includes(`application ${appId} finished`)), 'the application to finish', 5_000);
  });

  it('is accepted from the same driver on a new connection (its old one dead on its side), which replaces the old one', async () => {
    const { master, lines, owner: first, appId } = await registeredApp(40_003);
    const second = await driverConnection(master);
    expect((await second.request({ header: registration(40_003, appId) })).header.appId).toBe(appId);
    await waitUntil(() => first.isClosed, 'the master to close the replaced connection', 5_000);
    expect(lines.join('\n')).toContain(`application ${appId} (claims) registered again; driver at 127.0.0.1:40003`);
  });

  it('is accepted from another driver address once the application\'s driver connection is gone', async () => {
    const { master, owner: first, appId } = await registeredApp(40_004);
    await first.close();
    const moved = await driverConnection(master);
    await waitUntil(async () => {
      const reply = await moved.request({ header: registration(40_005, appId) }).catch(() => undefined);
      return reply?.header.appId === appId;
    }, 'the moved driver to be accepted', 5_000);
  });
});
