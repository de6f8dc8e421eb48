// The event log folder's retention, on real files with real modification times: logs older than the
// max age go (a crashed application's .inprogress too), finished logs beyond the newest maxApps go,
// a recent .inprogress (maybe a live application) and the starting application's own log stay; and
// a session applies the rule when it starts.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { removeRetiredLogs } from '../../../engine/events/log-retention.ts';
import { Session } from '../../../engine/index.ts';

const HOUR = 3_600_000;
let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'dataflow-retention-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A log file last written `hoursAgo` hours ago. */
function log(name: string, hoursAgo: number): void {
  const path = join(dir, name);
  writeFileSync(path, '{"event":"ApplicationStart"}\n');
  const when = new Date(Date.now() - hoursAgo * HOUR);
  utimesSync(path, when, when);
}

describe('event log retention', () => {
  it('removes logs past the max age and finished logs beyond the newest maxApps, never a recent inprogress nor the own log', async () => {
    log('app-old.jsonl', 200);
    log('app-crashed.jsonl.inprogress', 300);
    log('app-idle.jsonl.inprogress', 100); // within the age: may be live, whatever the count
    for (let i = 1; i <= 4; i++) log(`app-f${i}.jsonl`, i); // f1 newest
    log('app-own.jsonl.inprogress', 500); // the starting application's own log is never touched
    writeFileSync(join(dir, 'notes.txt'), 'not a log');
    const removed = await removeRetiredLogs(dir, 'app-own', { maxAgeMs: 168 * HOUR, maxApps: 2 });
    expect(removed.map((p) => p.slice(dir.length + 1)).sort()).toEqual(['app-crashed.jsonl.inprogress', 'app-f3.jsonl', 'app-f4.jsonl', 'app-old.jsonl']);
    expect(readdirSync(dir).sort()).toEqual(['app-f1.jsonl', 'app-f2.jsonl', 'app-idle.jsonl.inprogress', 'app-own.jsonl.inprogress', 'notes.txt']);
    // 0 turns a limit off; a file:// folder is the same folder
    log('app-ancient.jsonl', 10_000);
    expect(await removeRetiredLogs(pathToFileURL(dir).href, 'app-own', { maxAgeMs: 0, maxApps: 0 })).toEqual([]);
    expect((await removeRetiredLogs(pathToFileURL(dir).href, 'app-own', { maxAgeMs: 0, maxApps: 1 })).sort()).toEqual([join(dir, 'app-ancient.jsonl'), join(dir, 'app-f2.jsonl')]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.jsonl'))).toEqual(['app-f1.jsonl']);
  });

  it('a starting session applies dataflow.eventLog.maxAgeHours and .maxApps to its log folder', async () => {
    log('app-week-old.jsonl', 24 * 8);
    log('app-a.jsonl', 2);
    log('app-b.jsonl', 1);
    const session = await Session.create({ master: 'local', conf: [`dataflow.eventLog.dir=${dir}`, 'dataflow.ui.enabled=false', 'dataflow.eventLog.maxApps=1'] });
    try {
      expect(readdirSync(dir).sort()).toEqual([`${session.appId}.jsonl.inprogress`, 'app-b.jsonl'].sort());
    } finally {
      await session.stop();
    }
    await expect(Session.create({ master: 'local', conf: ['dataflow.eventLog.maxAgeHours=-1'] })).rejects.toThrow(/dataflow\.eventLog\.maxAgeHours=-1 is not a non-negative integer/);
  });
});
