// What watches one application from its driver: a listener of the driver's bus (listener-bus.ts)
// whose events are written to the event log (dataflow.eventLog.*) and folded into the live status
// the web UI serves (dataflow.ui.*). Started before the executors (so their ExecutorAdded events are
// seen), stopped last by Session.stop: ApplicationEnd, the log renamed to its final name, the UI's
// port closed.
//
// The model: the driver's bus packs each task's events into numbers as they are posted
// (listener-bus.ts); the driver's thread only copies those rows for the event log's writer
// (EventLogWriter.appendBatch), whose thread of its own (log-encoder-thread.ts) writes the lines and,
// with the UI on, folds the events into the UI's status by the same applyEvent as history, and
// answers the UI's queries (with the log off it runs for the fold alone). A query drains the bus and
// hands the thread the events packed so far first, so it sees every event posted before it. Until
// that thread runs (it starts after the writer's first few thousand events: a short application
// never pays for it) the monitor folds here, on the driver's thread, as the bus delivers each batch;
// the thread, once started, folds those first events again from their numbers and the driver's
// status is dropped. (Folding on the driver's thread cost a job of 1,000 empty tasks on `local`
// ~0.35 us a task, 2-3% of it, in bench/event-log.ts: the status' objects and tables are cold by the
// time a task's events come, and fresh task tables page in. Folding lazily there, on request, from
// the event objects measured dearer still: events kept waiting outlive the young generation.)

import { randomBytes } from 'node:crypto';
import { userInfo, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineConfig } from '../config.ts';
import { InvalidInputError } from '../errors.ts';
import { EVENT_LOG_VERSION, type EngineEvent } from '../events/events.ts';
import { type AppState, type StatusQuery, type StatusViews, answerQuery, applyEvent, emptyAppState } from '../events/fold.ts';
import { EventLogWriter } from '../events/log-writer.ts';
import { removeRetiredLogs } from '../events/log-retention.ts';
import { type StatusSource, UiServer, isLoopback } from '../ui/server.ts';
import { metricsHandler, uiToken } from '../metrics/index.ts';
import type { MetricsRegistry } from '../metrics/index.ts';
import { EventUnpacker } from '../events/packed-events.ts';
import type { DriverEventBatch, DriverListener, ListenerBus } from './listener-bus.ts';

export interface MonitorOptions {
  config: EngineConfig;
  master: string;
  appName: string;
  /** Asked of every UI request when the UI binds a non-loopback address (the cluster secret, or one made here). */
  secret?: string;
  /** Where terminal notes go (the UI's address, a port in use): stderr when it is a terminal. */
  note?: (line: string) => void;
  /** The driver's metrics, served by the UI at /metrics (Prometheus text format). */
  metrics?: MetricsRegistry;
  /** Events after which the log's thread starts, and takes over the status fold (tests; default the writer's). */
  threadAfterEvents?: number;
}

export class ApplicationMonitor implements DriverListener {
  /** The UI's status folded on the driver's thread: only until the writer's thread folds it (then undefined). */
  private folded: AppState | undefined;
  private bus: ListenerBus | undefined;
  /** Where the events go: the event log, and the writer's thread's status fold when the UI is on (a writer without a log if the log is off). */
  private writer: EventLogWriter | undefined;
  private logging = false;
  private ui: UiServer | undefined;
  /** The UI token asked of requests off loopback (derived from the secret, as the master's), if any. */
  private uiToken: string | undefined;
  private stopped = false;
  /** Reads the bus's batches as objects for the fold on this thread. */
  private readonly unpacker = new EventUnpacker();

  private constructor(readonly appId: string) {}

  /** `query` answered from the live status, up to the last event the driver posted (the UI must be on). */
  async query<Q extends StatusQuery>(query: Q): Promise<StatusViews[Q['view']]> {
    this.bus?.drain();
    if (this.folded) return answerQuery(this.folded, query);
    if (!this.writer?.folds) throw new Error('the application status is not kept: the UI is off (dataflow.ui.enabled=false)');
    return this.writer.query(query);
  }

  /** Receives the events `bus` delivers from now on, if the log or the UI is on. */
  listenTo(bus: ListenerBus): void {
    if (!this.active) return;
    this.bus = bus;
    bus.subscribe(this);
  }

  onEvents(batch: DriverEventBatch): void {
    if (this.stopped) return;
    const folded = this.folded;
    if (folded) {
      // the fold keeps no event of a task: the unpacker fills in the same two for every task
      this.unpacker.readObjects(batch, (event) => { if (event.event !== 'PartitionsCut') applyEvent(folded, event); }, true);
    }
    // the batch's rows copied as they are
    this.writer?.appendBatch(batch, 'PartitionsCut');
    if (folded && this.writer?.folds) this.folded = undefined; // the thread has every event so far, and folds from now on
  }

  /**
   * Starts the UI and opens the event log as configured. A UI that cannot listen is reported and
   * left out (the application runs on); an event log folder that cannot be written is an error.
   */
  static async start(options: MonitorOptions): Promise<ApplicationMonitor> {
    const { config } = options;
    const monitor = new ApplicationMonitor(newAppId());
    const note = options.note ?? ((line: string) => { if (process.stderr.isTTY && config['dataflow.ui.progress']) process.stderr.write(`${line}\n`); });
    // the UI first: whether it runs decides whether the log's writer folds the status
    if (config['dataflow.ui.enabled']) {
      const host = config['dataflow.ui.host'];
      monitor.uiToken = isLoopback(host) ? undefined : uiToken(options.secret ?? randomBytes(16).toString('hex'));
      try {
        const source: StatusSource = {
          applications: async () => [await monitor.query({ view: 'summary' })],
          query: async <Q extends StatusQuery>(appId: string, query: Q) => (appId === monitor.appId ? { answer: await monitor.query(query) } : undefined),
        };
        const routes = options.metrics ? { '/metrics': metricsHandler(options.metrics) } : undefined;
        monitor.ui = await UiServer.start({ source, host, port: config['dataflow.ui.port'], token: monitor.uiToken, routes });
        monitor.folded = emptyAppState(monitor.appId);
        if (monitor.ui.triedPorts.length > 0) note(`dataflow: UI port${monitor.ui.triedPorts.length > 1 ? 's' : ''} ${monitor.ui.triedPorts.join(', ')} in use; the UI is on port ${monitor.ui.port}`);
      } catch (error) {
        process.stderr.write(`dataflow: no web UI for this application: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
    const writerOptions = {
      ...(monitor.ui ? { fold: { appId: monitor.appId } } : {}),
      ...(options.threadAfterEvents !== undefined ? { threadAfterEvents: options.threadAfterEvents } : {}),
    };
    if (config['dataflow.eventLog.enabled']) {
      const dir = config['dataflow.eventLog.dir'] || join(tmpdir(), 'dataflow-events');
      try {
        monitor.writer = await EventLogWriter.open(dir, monitor.appId, writerOptions);
        monitor.logging = true;
      } catch (error) {
        await monitor.ui?.close();
        throw new InvalidInputError(`the event log cannot be written to ${dir} (dataflow.eventLog.dir): ${error instanceof Error ? error.message : String(error)}; ` +
          'give a writable folder, or turn the log off with --conf dataflow.eventLog.enabled=false');
      }
      // the folder's older logs, retired as configured (a failure to remove one does not stop the application)
      const rule = { maxAgeMs: config['dataflow.eventLog.maxAgeHours'] * 3_600_000, maxApps: config['dataflow.eventLog.maxApps'] };
      await removeRetiredLogs(dir, monitor.appId, rule).catch((error: unknown) => {
        process.stderr.write(`dataflow: could not remove old event logs in ${dir} (dataflow.eventLog.maxAgeHours, .maxApps): ${error instanceof Error ? error.message : String(error)}\n`);
      });
    } else if (monitor.ui) {
      monitor.writer = EventLogWriter.withoutLog(monitor.appId, writerOptions);
    }
    monitor.record({
      event: 'ApplicationStart', time: Date.now(), appId: monitor.appId, appName: options.appName, master: options.master, user: currentUser(),
      logVersion: EVENT_LOG_VERSION, ...(monitor.ui ? { uiUrl: monitor.ui.url } : {}),
    });
    return monitor;
  }

  /** The UI's address without its token (what the standalone master links to), if it runs. */
  get uiAddress(): string | undefined {
    return this.ui?.url;
  }

  /** Whether any event is wanted (the driver builds none otherwise). */
  get active(): boolean {
    return this.logging || this.ui !== undefined;
  }

  /** The UI's address (with ?token= when it asks for one), if it runs. */
  get uiUrl(): string | undefined {
    if (!this.ui) return undefined;
    return this.uiToken ? `${this.ui.url}/?token=${this.uiToken}` : this.ui.url;
  }

  /** Where the event log is being written, if it is. */
  get eventLogLocation(): string | undefined {
    return this.logging ? this.writer?.location : undefined;
  }

  private record(event: EngineEvent): void {
    if (this.stopped) return;
    if (this.folded) {
      applyEvent(this.folded, event);
      this.writer!.append(event);
      if (this.writer!.folds) this.folded = undefined; // the thread has every event so far, and folds from now on
      return;
    }
    this.writer?.append(event);
  }

  /** Writes what is waiting in the log now (tests and checkpoints). */
  async flush(): Promise<void> {
    this.bus?.drain();
    await this.writer?.flush();
  }

  /** Ends the application: ApplicationEnd, the log closed under its final name, the UI closed. */
  async stop(outcome: { status: 'succeeded' | 'failed'; message?: string }): Promise<void> {
    if (this.stopped) return;
    this.bus?.drain();
    this.record({ event: 'ApplicationEnd', time: Date.now(), appId: this.appId, status: outcome.status, ...(outcome.message !== undefined ? { message: outcome.message } : {}) });
    this.stopped = true;
    try {
      await this.writer?.close();
    } finally {
      await this.ui?.close();
    }
  }
}

/** app-<UTC yyyymmddHHMMSS>-<8 hex>, sortable by start time like Spark's ids. */
function newAppId(): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `app-${stamp}-${randomBytes(4).toString('hex')}`;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? '';
  }
}
