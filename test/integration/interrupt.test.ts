// Stopping `dataflow submit` from outside leaves nothing behind: SIGINT or SIGTERM mid-job stops
// the job and its executor processes, removes the driver's work directory and exits 130; the work
// directory of a driver killed outright (SIGKILL) is reclaimed by the next submit. Real processes,
// each run with its own TMPDIR, so what is left is exactly what these runs left.

import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDataflow, waitUntil } from '../helpers/cluster.ts';
import { processesMentioning, ROOT } from '../helpers/cli.ts';

const job = (name: string): string => join(ROOT, 'test', 'fixtures', 'jobs', name);

/** Folders a driver left in `tmp` (tsx's compile cache is the loader's, not ours). */
// (dataflow-events holds the applications' event logs, kept on purpose)
const workDirs = (tmp: string): string[] => readdirSync(tmp).filter((f) => f.startsWith('dataflow-') && f !== 'dataflow-events');

async function withTmp(body: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'interrupt-test-'));
  try {
    await body(tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function startSlowJob(tmp: string) {
  return spawnDataflow('submit', ['submit', '--no-typecheck', job('interruptible-job.ts'), '--master', 'local[2]'], { env: { ...process.env, TMPDIR: tmp } });
}

describe('interrupting dataflow submit', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} mid-job: exit 130, no work directory, no executor process left`, { timeout: 240_000 }, async () => {
      await withTmp(async (tmp) => {
        const driver = startSlowJob(tmp);
        await driver.waitFor(/job running/, 150_000);
        expect(workDirs(tmp)).toHaveLength(1);
        expect(processesMentioning(tmp).length).toBeGreaterThanOrEqual(2); // the executors carry their work dir
        driver.child.kill(signal);
        const exit = await driver.exited;
        expect(exit, driver.output).toEqual({ code: 130, signal: null });
        expect(driver.stderr).toContain(`${signal}: stopping the job`);
        expect(driver.stdout).not.toMatch(/rows:/);
        expect(workDirs(tmp)).toEqual([]);
        expect(processesMentioning(tmp)).toEqual([]);
      });
    });
  }

  it('reclaims the work directory of a driver killed by SIGKILL at the next submit', { timeout: 300_000 }, async () => {
    await withTmp(async (tmp) => {
      const killed = startSlowJob(tmp);
      await killed.waitFor(/job running/, 150_000);
      const [stale] = workDirs(tmp);
      expect(readFileSync(join(tmp, stale!, 'owner.pid'), 'utf8').trim()).toBe(String(killed.pid));
      killed.child.kill('SIGKILL');
      await killed.exited;
      expect(existsSync(join(tmp, stale!))).toBe(true);
      // Its executors notice the closed connection and exit by themselves.
      await waitUntil(() => processesMentioning(tmp).length === 0, 'the executors of the killed driver to exit', 20_000);

      const next = spawnDataflow('next', ['submit', '--no-typecheck', job('word-count.ts'), '--master', 'local[2]'], { env: { ...process.env, TMPDIR: tmp } });
      const exit = await next.exited;
      expect(exit, next.output).toEqual({ code: 0, signal: null });
      expect(existsSync(join(tmp, stale!))).toBe(false);
      expect(workDirs(tmp)).toEqual([]);
    });
  });
});
