// The page-fault probe every benchmark prints (bench/lib/page-fault-cost.ts): a real child process
// touching fresh memory, its faults counted by the kernel.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pageFaultCost } from '../../../bench/lib/page-fault-cost.ts';

const hugePagesAlways = ((): boolean => {
  try {
    return readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8').includes('[always]');
  } catch {
    return false;
  }
})();

describe('pageFaultCost', () => {
  it.runIf(process.platform === 'linux' && !hugePagesAlways)('counts one fault per 4 KiB page of 32 MB touched and times it', () => {
    const cost = pageFaultCost();
    expect(cost.faults).toBeGreaterThanOrEqual(8192);
    expect(cost.faults).toBeLessThan(8192 + 2048);
    expect(cost.microsPerFault).toBeGreaterThan(0);
    expect(cost.microsPerFault).toBeLessThan(10_000);
  });
});
