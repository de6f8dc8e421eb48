// An application released while its executor is still starting it (creating its folder, connecting
// to its driver) leaves no folder and is not served: a real executor runtime (task threads, block
// server) in this process and a real listener where the driver would be.

import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExecutorRuntime } from '../../../engine/executor/executor-runtime.ts';
import { listen } from '../../../engine/transport/tcp.ts';
import type { Connection } from '../../../engine/transport/connection.ts';
import { SECRET } from '../transport/helpers.ts';
import { useTmpDir } from '../../helpers/tmp-dir.ts';

const tmp = useTmpDir('app-release');

describe('an application released while starting', () => {
  it('leaves no folder, whether released at once or while its driver connection opens', { timeout: 60_000 }, async () => {
    const accepted: Connection[] = [];
    let onAccept: () => void = () => undefined;
    const driver = await listen({ secret: SECRET, role: 'driver', onConnection: (conn) => { accepted.push(conn); onAccept(); } });
    const runtime = await ExecutorRuntime.start({ executorId: 'exec-1', workDir: tmp(), cores: 1, secret: SECRET });
    try {
      const grant = (appId: string) => ({ appId, driverHost: '127.0.0.1', driverPort: driver.port, slots: 1 });
      // released right after it was granted: its folder is being created
      const first = runtime.attach(grant('app-0001-1'));
      await runtime.release('app-0001-1', 'released by the master');
      await expect(first).rejects.toThrow(/stopped serving application app-0001-1 while creating its folder/);
      // released once the driver sees its connection
      const connected = new Promise<void>((resolve) => { onAccept = resolve; });
      const second = runtime.attach(grant('app-0002-1'));
      second.catch(() => undefined);
      await connected;
      await runtime.release('app-0002-1', 'released by the master');
      await second.catch(() => undefined);
      expect(readdirSync(tmp()).filter((name) => name.startsWith('app-'))).toEqual([]);
      expect(runtime.servedApps()).toEqual({});
      // served afterwards like any application
      const third = await runtime.attach(grant('app-0003-1'));
      expect(existsSync(third.dir)).toBe(true);
      await runtime.release('app-0003-1', 'done');
      expect(existsSync(third.dir)).toBe(false);
    } finally {
      await runtime.stop();
      await driver.close();
    }
  });
});
