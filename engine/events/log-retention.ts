// Keeps a folder of event logs from growing without end, as Spark's history cleaner does: when an
// application starts, it removes the logs older than dataflow.eventLog.maxAgeHours and, beyond the
// newest dataflow.eventLog.maxApps finished ones, the older finished logs. An `.inprogress` log may
// belong to a live application: it is never removed for the count, only once it has not been
// written for the max age (a driver that crashed, or that sat idle that long). Local folders only:
// on s3:// a bucket lifecycle rule does this better (listing gives no modification times here).

import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { schemeOf } from '../../connectors/storage/index.ts';
import { IN_PROGRESS, LOG_EXTENSION } from './log-writer.ts';

export interface RetentionRule {
  /** Logs last written longer ago are removed (0: no age limit). */
  maxAgeMs: number;
  /** Finished logs kept, newest first (0: no count limit). */
  maxApps: number;
}

interface LogFile { appId: string; path: string; inProgress: boolean; mtimeMs: number }

/**
 * Removes the logs of `dir` that `rule` retires, except `ownAppId`'s; returns the files removed.
 * A file another application removed first is not an error.
 *
 * @example await removeRetiredLogs('/tmp/dataflow-events', 'app-20260101-abc', { maxAgeMs: 7 * 86_400_000, maxApps: 50 });
 */
export async function removeRetiredLogs(dir: string, ownAppId: string, rule: RetentionRule, now = Date.now()): Promise<string[]> {
  if (schemeOf(dir) === 's3') return [];
  const folder = /^file:\/\//i.test(dir) ? fileURLToPath(dir) : dir;
  const logs: LogFile[] = [];
  for (const name of await readdir(folder)) {
    const inProgress = name.endsWith(LOG_EXTENSION + IN_PROGRESS);
    if (!inProgress && !name.endsWith(LOG_EXTENSION)) continue;
    const appId = name.slice(0, -(inProgress ? LOG_EXTENSION + IN_PROGRESS : LOG_EXTENSION).length);
    if (appId === ownAppId) continue;
    const info = await stat(join(folder, name)).catch(() => undefined);
    if (info?.isFile()) logs.push({ appId, path: join(folder, name), inProgress, mtimeMs: info.mtimeMs });
  }
  const retired = new Set<LogFile>();
  if (rule.maxAgeMs > 0) for (const log of logs) if (now - log.mtimeMs > rule.maxAgeMs) retired.add(log);
  if (rule.maxApps > 0) {
    const finished = logs.filter((l) => !l.inProgress && !retired.has(l)).sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const log of finished.slice(rule.maxApps)) retired.add(log);
  }
  const removed: string[] = [];
  for (const log of retired) {
    await rm(log.path, { force: true });
    removed.push(log.path);
  }
  return removed;
}
