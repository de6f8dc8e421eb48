// `dataflow history`'s applications: the event logs of a folder (local or s3://), listed again at
// every request so new and grown logs show up, each folded by EventLogStore only when it changed.
// A log without ApplicationEnd (still running, or its driver crashed) shows as incomplete.

import type { StorageOptions } from '../../connectors/storage/index.ts';
import { answerQuery, applicationSummary, type StatusQuery, type StatusViews } from '../events/fold.ts';
import { EventLogStore } from '../events/log-store.ts';
import type { ApplicationSummary } from '../events/status.ts';
import type { StatusSource } from './server.ts';

export class HistorySource implements StatusSource {
  private readonly store: EventLogStore;

  constructor(dir: string, options: StorageOptions = {}) {
    this.store = new EventLogStore(dir, options);
  }

  /** Every application of the folder, the latest started first. */
  async applications(): Promise<ApplicationSummary[]> {
    const out: ApplicationSummary[] = [];
    for (const entry of (await this.store.list()).values()) out.push(applicationSummary(await this.store.state(entry), { history: true }));
    return out.sort((a, b) => b.startTime - a.startTime || (a.appId < b.appId ? 1 : -1));
  }

  async query<Q extends StatusQuery>(appId: string, query: Q): Promise<{ answer: StatusViews[Q['view']] } | undefined> {
    const entry = (await this.store.list()).get(appId);
    return entry ? { answer: answerQuery(await this.store.state(entry), query, { history: true }) } : undefined;
  }
}
