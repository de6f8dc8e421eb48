// What the master remembers for its page and metrics beyond what allocation needs (master-state.ts
// forgets an executor when it is lost and an application when it ends): each executor's host, pid
// and memory, when things happened, and the last lost executors and finished applications, kept
// to a bounded number so a long-lived master does not grow. Counts of registrations and losses too.

import type { AppDriver, MasterState } from './master-state.ts';
import type { ApplicationState, ExecutorState, MasterView } from '../ui/master-page.ts';

/** Lost executors and finished applications kept for the page (the oldest go first). */
const KEEP_ENDED = 100;

interface ExecutorEntry { host: string; pid: number; cores: number; memoryBytes: number; state: ExecutorState; since: number; reason?: string }
interface AppEntry { name: string; driver: AppDriver; maxCores: number; state: ApplicationState; startedAt: number; endedAt?: number }

export class MasterBook {
  private readonly executors = new Map<string, ExecutorEntry>();
  private readonly apps = new Map<string, AppEntry>();
  readonly startedAt = Date.now();
  /** Counts since the master started (its /metrics). */
  readonly counts = { executorsRegistered: 0, executorsLost: 0, appsRegistered: 0, appsFinished: 0, appsForgotten: 0 };

  executorRegistered(executorId: string, e: { host: string; pid: number; cores: number; memoryBytes: number }): void {
    this.counts.executorsRegistered++;
    this.executors.delete(executorId); // re-inserted last: the page lists executors in the order they (re)joined
    this.executors.set(executorId, { ...e, state: 'alive', since: Date.now() });
  }

  /** Known from a recovery file, not yet registered again. */
  executorRecovering(executorId: string, cores: number): void {
    if (!this.executors.has(executorId)) this.executors.set(executorId, { host: '?', pid: 0, cores, memoryBytes: 0, state: 'recovering', since: Date.now() });
  }

  executorLost(executorId: string, reason: string): void {
    const e = this.executors.get(executorId);
    if (!e || e.state === 'lost') return;
    this.counts.executorsLost++;
    Object.assign(e, { state: 'lost', since: Date.now(), reason });
    this.trim(this.executors, (x) => x.state === 'lost');
  }

  appRegistered(appId: string, driver: AppDriver, maxCores: number): void {
    const known = this.apps.get(appId);
    if (known && known.state !== 'finished' && known.state !== 'forgotten') {
      Object.assign(known, { driver, maxCores, state: 'running' });
      return;
    }
    this.counts.appsRegistered++;
    this.apps.set(appId, { name: driver.name, driver, maxCores, state: 'running', startedAt: Date.now() });
  }

  /** Known from a recovery file, or its driver's connection dropped: waited for. */
  appWaiting(appId: string, driver?: AppDriver, maxCores?: number): void {
    const app = this.apps.get(appId);
    if (app) app.state = 'waiting';
    else if (driver && maxCores !== undefined) this.apps.set(appId, { name: driver.name, driver, maxCores, state: 'waiting', startedAt: Date.now() });
  }

  appEnded(appId: string, state: 'finished' | 'forgotten'): void {
    const app = this.apps.get(appId);
    if (!app || app.state === 'finished' || app.state === 'forgotten') return;
    if (state === 'finished') this.counts.appsFinished++;
    else this.counts.appsForgotten++;
    Object.assign(app, { state, endedAt: Date.now() });
    this.trim(this.apps, (a) => a.state === 'finished' || a.state === 'forgotten');
  }

  /** Executors by state, for the metrics. */
  executorStates(): Record<ExecutorState, number> {
    const states: Record<ExecutorState, number> = { alive: 0, lost: 0, recovering: 0 };
    for (const e of this.executors.values()) states[e.state]++;
    return states;
  }

  view(state: MasterState, url: string): MasterView {
    const cores = new Map(state.executorCores().map((e) => [e.executorId, e]));
    return {
      url, startedAt: this.startedAt, now: Date.now(),
      executors: [...this.executors].map(([executorId, e]) => {
        const c = cores.get(executorId);
        return {
          executorId, host: e.host, pid: e.pid, cores: e.cores, coresUsed: c && e.state !== 'lost' ? c.cores - c.free : 0,
          memoryBytes: e.memoryBytes, state: e.state, since: e.since, ...(e.reason !== undefined ? { reason: e.reason } : {}),
        };
      }),
      applications: [...this.apps].map(([appId, a]) => ({
        appId, name: a.name, driver: `${a.driver.host}:${a.driver.port}`, ...(a.driver.uiUrl ? { uiUrl: a.driver.uiUrl } : {}),
        cores: state.granted(appId), maxCores: a.maxCores, state: a.state, startedAt: a.startedAt,
        ...(a.endedAt !== undefined ? { endedAt: a.endedAt } : {}),
      })),
    };
  }

  /** Drops the oldest ended entries beyond KEEP_ENDED. */
  private trim<T>(map: Map<string, T>, ended: (entry: T) => boolean): void {
    let count = 0;
    for (const entry of map.values()) if (ended(entry)) count++;
    for (const [key, entry] of map) {
      if (count <= KEEP_ENDED) return;
      if (ended(entry)) { map.delete(key); count--; }
    }
  }
}
