// The ALS kernels' WebAssembly is compiled from its text (jobs/als/cg-kernels.wat, explicit-wat.ts)
// inside each executor process that runs them: on local[2] every task reports wasm kernels, not
// the JavaScript fallback, from executor processes rather than the driver.

import { describe, expect, it } from 'vitest';
import { Session } from '../../index.ts';
import { alsKernelProbe } from '../fixtures/als-kernel-probe.ts';

describe('ALS wasm kernels on executor processes', () => {
  it('compile from text in every executor that runs them (local[2])', async () => {
    const session = await Session.create({ master: 'local[2]' });
    try {
      const rows = Array.from({ length: 8 }, (_, i) => ({ i }));
      const reports = await session.fromRows(rows, { numPartitions: 4 }).mapBatches(alsKernelProbe.alsKernelKinds).collect();
      expect(reports.length).toBeGreaterThanOrEqual(4);
      for (const r of reports) {
        expect(r.pid).not.toBe(process.pid);
        expect({ cg: r.cgWasm, explicit: r.explicitWasm }).toEqual({ cg: 1, explicit: 1 });
      }
    } finally {
      await session.stop();
    }
  }, 60_000);
});
