// The event log writer's file is exactly one line per event (eventLine's: JSON.stringify, a task's
// fields that are 0 left out), in order, whether the lines were encoded on the caller's thread or,
// past the threshold, on the encoder thread, with flushes falling anywhere in between.

import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../engine/events/events.ts';
import { eventLine } from '../../../engine/events/event-line.ts';
import { EventLogWriter } from '../../../engine/events/log-writer.ts';
import { mulberry32 } from '../../../engine/kernels/mulberry32.ts';
import { ListenerBus } from '../../../engine/cluster/listener-bus.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Events of every kind the packer tells apart, with odd strings and numbers among them. */
function events(count: number): EngineEvent[] {
  const random = mulberry32(7);
  const out: EngineEvent[] = [];
  for (let i = 0; i < count; i++) {
    const executorId = `exec-${i % 3}${i % 97 === 0 ? ' "é"\n' : ''}`;
    const r = random();
    if (r < 0.45) out.push({ event: 'TaskStart', time: 1_767_225_600_000 + i, stageId: i >> 6, stageAttempt: 0, taskId: i, partition: i % 64, attempt: 0, executorId, host: `10.0.0.${i % 5}` });
    else if (r < 0.9) {
      out.push({
        event: 'TaskEnd', time: 1_767_225_600_000 + i, stageId: i >> 6, stageAttempt: i % 2, taskId: i, partition: i % 64, attempt: i % 3, executorId,
        status: i % 11 === 0 ? 'failed' : i % 13 === 0 ? 'killed' : 'succeeded', durationMs: i % 7 === 0 ? 0.25 * i : i % 1000,
        io: {
          inputBytes: i * 1e6, inputRecords: i, shuffleReadBytes: i % 5 === 0 ? Number.NaN : 2 ** 40 + i, shuffleReadRecords: -i, shuffleWriteBytes: 1e21,
          shuffleWriteRecords: 0, outputRecords: -0, spillBytes: 1e-7, peakMemoryBytes: 4096.5,
        },
        ...(i % 11 === 0 ? { failure: `boom ${i} "quoted"\n\tat x`, failureKind: 'UserCode' } : {}),
      });
    } else out.push({ event: 'AppEvent', time: i, source: 'als', kind: 'iteration', data: { iteration: i, trainRmse: r, note: 'ü\u2028' } });
  }
  return out;
}

describe('EventLogWriter', () => {
  it.each([['on the caller\'s thread only', Infinity], ['moving to the encoder thread after 100 events', 100]])(
    'writes every event as its line, in order, %s', async (_name, threadAfterEvents) => {
      const dir = await mkdtemp(join(tmpdir(), 'log-writer-'));
      dirs.push(dir);
      const log = await EventLogWriter.open(dir, 'app-test', { threadAfterEvents });
      const all = events(60_000);
      all.forEach((e, i) => {
        log.append(e);
        if (i % 7_919 === 0) void log.flush();
      });
      const final = await log.close();
      expect(await readdir(dir)).toEqual(['app-test.jsonl']);
      expect(await readFile(final, 'utf8')).toBe(all.map((e) => `${eventLine(e)}\n`).join(''));
    });

  it.each([['numbered as the bus numbers them', 0], ['renumbered, the writer having numbered names of its own first', 25]])(
    'writes the driver bus\'s batches (appendBatch) as append() would, leaving out the kind it is told to skip: names %s', async (_name, ownFirst) => {
      const dir = await mkdtemp(join(tmpdir(), 'log-writer-'));
      dirs.push(dir);
      const log = await EventLogWriter.open(dir, 'app-batches', { threadAfterEvents: 1_000 });
      const all = events(20_000);
      for (const e of all.slice(0, ownFirst)) log.append(e);
      const bus = new ListenerBus();
      bus.subscribe({ onEvents: (batch) => log.appendBatch(batch, 'PartitionsCut') });
      // batches of 1 to 64 events (the threshold falls inside one), a skipped event after every 50th;
      // every other task posted by its fields, as the driver posts them
      let start = ownFirst;
      for (let b = 0; start < all.length; b++) {
        const end = Math.min(all.length, start + 1 + (b * 37) % 64);
        for (let i = start; i < end; i++) {
          postAs(bus, all[i]!, i % 2 === 1);
          if ((i - start) % 50 === 49) bus.post({ event: 'PartitionsCut', time: 0, shuffleIds: [1], buckets: 2, bytes: 3, partitions: 1 });
        }
        start = end;
        bus.drain();
        if (b % 101 === 0) void log.flush();
      }
      const text = await readFile(await log.close(), 'utf8');
      expect(text).toBe(all.map((e) => `${eventLine(e)}\n`).join(''));
      expect(text).not.toContain('PartitionsCut');
    });
});

/** Posts `e` on `bus`: a task's by its fields (postTaskStart, postTaskEnd) when `byFields`, else the object. */
function postAs(bus: ListenerBus, e: EngineEvent, byFields: boolean): void {
  if (byFields && e.event === 'TaskStart') bus.postTaskStart(e.time, e.stageId, e.stageAttempt, e.taskId, e.partition, e.attempt, e.executorId, e.host);
  else if (byFields && e.event === 'TaskEnd') {
    bus.postTaskEnd(e.time, e.stageId, e.stageAttempt, e.taskId, e.partition, e.attempt, e.executorId, e.status, e.durationMs, e.io, e.failure, e.failureKind);
  } else bus.post(e);
}
