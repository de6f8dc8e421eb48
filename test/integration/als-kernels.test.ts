// The ALS kernels' WebAssembly is compiled from its text (jobs/als/cg-kernels.wat, explicit-wat.ts)
// inside each executor process that runs them: on local[2] every task reports wasm kernels, not
// the JavaScript fallback, from executor processes rather than the driver. The probe is a test
// fixture that no engine entry reaches, so compiled executors compile it on first import
// (bin/compiled-engine.mjs); the same probe under tsx (DATAFLOW_COMPILED=0) checks the other way.

import { describe, expect, it } from 'vitest';
import { Session } from '../../index.ts';
import { alsKernelProbe } from '../fixtures/als-kernel-probe.ts';

describe('ALS wasm kernels on executor processes', () => {
  it.each(['compiled', 'tsx'])('compile from text in every executor that runs them (local[2], engine %s)', async (mode) => {
    const compiled = process.env.DATAFLOW_COMPILED;
    if (mode === 'tsx') process.env.DATAFLOW_COMPILED = '0'; // inherited by the executor processes
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
      if (compiled === undefined) delete process.env.DATAFLOW_COMPILED;
      else process.env.DATAFLOW_COMPILED = compiled;
    }
  }, 60_000);
});
