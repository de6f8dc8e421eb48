// The event log on S3 (s3rver): S3 cannot append, so the writer uploads each batch as a part of
// <appId>.jsonl.inprogress/; while it runs (or after a crash) history reads the parts in order as one
// incomplete log, and close() joins them into <appId>.jsonl and removes the parts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventLine } from '../../../engine/events/event-line.ts';
import { EventLogWriter } from '../../../engine/events/log-writer.ts';
import { HistorySource } from '../../../engine/ui/history.ts';
import { S3Storage } from '../../../connectors/storage/s3.ts';
import { S3RVER_CREDENTIALS, startS3Server, type S3TestServer } from '../connectors/storage/s3-server.ts';
import type { EngineEvent } from '../../../engine/events/events.ts';

describe('event log on s3://', () => {
  let server: S3TestServer;
  beforeAll(async () => { server = await startS3Server(['logs']); });
  afterAll(async () => { await server?.close(); });

  it('uploads parts while running, reads them as an incomplete application, and joins them at close', async () => {
    const options = { endpoint: server.endpoint, credentials: S3RVER_CREDENTIALS };
    const dir = 's3://logs/events';
    const log = await EventLogWriter.open(dir, 'app-s3', options);
    const start: EngineEvent = { event: 'ApplicationStart', time: 1, appId: 'app-s3', appName: 'on-s3', master: 'local', user: 'u', logVersion: 1 };
    log.append(start);
    await log.flush();
    log.append({ event: 'JobStart', time: 2, jobId: 0, description: 'count', stages: [{ stageId: 0, name: 'range', numTasks: 1, parentStageIds: [] }], plan: '' });
    await log.flush();
    const storage = new S3Storage(options);
    expect((await storage.list('s3://logs/events/', { recursive: true })).map((e) => e.path)).toEqual([
      's3://logs/events/app-s3.jsonl.inprogress/part-00000', 's3://logs/events/app-s3.jsonl.inprogress/part-00001',
    ]);
    const history = new HistorySource(dir, options);
    expect(await history.applications()).toEqual([expect.objectContaining({ appId: 'app-s3', appName: 'on-s3', status: 'incomplete' })]);
    expect((await history.query('app-s3', { view: 'application' }))!.answer.jobs).toHaveLength(1);

    log.append({ event: 'JobEnd', time: 3, jobId: 0, status: 'succeeded' });
    log.append({ event: 'ApplicationEnd', time: 4, appId: 'app-s3', status: 'succeeded' });
    expect(await log.close()).toBe('s3://logs/events/app-s3.jsonl');
    expect((await storage.list('s3://logs/events/', { recursive: true })).map((e) => e.path)).toEqual(['s3://logs/events/app-s3.jsonl']);
    const text = new TextDecoder().decode(await storage.readAll('s3://logs/events/app-s3.jsonl'));
    expect(text.trim().split('\n').map((l) => (JSON.parse(l) as EngineEvent).event)).toEqual(['ApplicationStart', 'JobStart', 'JobEnd', 'ApplicationEnd']);
    expect(await history.applications()).toEqual([expect.objectContaining({ appId: 'app-s3', status: 'succeeded', endTime: 4 })]);
  });

  it('gets the lines back from the encoder thread (which writes local files itself) and uploads them in order', async () => {
    const options = { endpoint: server.endpoint, credentials: S3RVER_CREDENTIALS, threadAfterEvents: 100 };
    const log = await EventLogWriter.open('s3://logs/threaded', 'app-threaded', options);
    const all: EngineEvent[] = [];
    for (let i = 0; i < 5_000; i++) {
      all.push(i % 2 === 0
        ? { event: 'TaskStart', time: i, stageId: 0, stageAttempt: 0, taskId: i, partition: i, attempt: 0, executorId: `exec-${i % 3}`, host: '127.0.0.1' }
        : { event: 'AppEvent', time: i, source: 'test', kind: 'tick', data: { i } });
    }
    all.forEach((e, i) => {
      log.append(e);
      if (i % 1_777 === 0) void log.flush();
    });
    expect(await log.close()).toBe('s3://logs/threaded/app-threaded.jsonl');
    const text = new TextDecoder().decode(await new S3Storage(options).readAll('s3://logs/threaded/app-threaded.jsonl'));
    expect(text).toBe(all.map((e) => `${eventLine(e)}\n`).join(''));
  });
});
