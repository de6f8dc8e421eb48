// A folder of event logs (local or s3://) as `dataflow history` sees it: one application per log,
// finished (`<appId>.jsonl`) or not (`<appId>.jsonl.inprogress`: still running, or its driver
// crashed), each folded into its status once and again only when the log changed (its size).

import { schemeOf, storageFor, type Storage, type StorageOptions } from '../../connectors/storage/index.ts';
import { foldEventLog } from './log-reader.ts';
import type { AppState } from './fold.ts';
import { IN_PROGRESS, LOG_EXTENSION } from './log-writer.ts';

/** One application's log: its files (several parts for an in-progress log on S3) and their total size. */
export interface LogEntry { appId: string; files: string[]; bytes: number; inProgress: boolean }

export class EventLogStore {
  private readonly storage: Storage;
  private readonly folded = new Map<string, { signature: string; state: AppState }>();

  constructor(readonly dir: string, options: StorageOptions = {}) {
    this.storage = storageFor(dir, options);
  }

  /** The logs in the folder now, by application id (a finished log wins over a leftover in-progress one). */
  async list(): Promise<Map<string, LogEntry>> {
    const entries = await this.storage.list(schemeOf(this.dir) === 's3' && !this.dir.endsWith('/') ? `${this.dir}/` : this.dir, { recursive: true });
    const logs = new Map<string, LogEntry>();
    const partsOf = new RegExp(`([^/]+)${escape(LOG_EXTENSION + IN_PROGRESS)}/part-\\d+$`);
    for (const entry of entries) {
      const name = entry.path.slice(entry.path.lastIndexOf('/') + 1);
      let appId: string | undefined;
      let inProgress = false;
      const part = partsOf.exec(entry.path);
      if (part) { appId = part[1]; inProgress = true; } else if (name.endsWith(LOG_EXTENSION + IN_PROGRESS)) {
        appId = name.slice(0, -(LOG_EXTENSION + IN_PROGRESS).length);
        inProgress = true;
      } else if (name.endsWith(LOG_EXTENSION) && !entry.path.includes(`${LOG_EXTENSION}${IN_PROGRESS}/`)) {
        appId = name.slice(0, -LOG_EXTENSION.length);
      }
      if (!appId) continue;
      const known = logs.get(appId);
      if (known && !known.inProgress) continue;
      if (known && inProgress) { known.files.push(entry.path); known.bytes += entry.size; continue; }
      logs.set(appId, { appId, files: [entry.path], bytes: entry.size, inProgress });
    }
    return logs;
  }

  /** The application's state from its log, read again only if the log changed since; undefined if there is none. */
  async state(entry: LogEntry): Promise<AppState> {
    const signature = `${entry.inProgress}:${entry.files.length}:${entry.bytes}`;
    const cached = this.folded.get(entry.appId);
    if (cached?.signature === signature) return cached.state;
    const texts: string[] = [];
    for (const file of entry.files) texts.push(new TextDecoder().decode(await this.storage.readAll(file)));
    const state = foldEventLog(texts.join(''), entry.appId);
    this.folded.set(entry.appId, { signature, state });
    return state;
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
