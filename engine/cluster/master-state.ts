// The standalone master's allocation logic as a pure state machine: executors offer cores,
// applications ask for up to `maxCores`, and grants are made first-come first-served, one grant
// per (application, executor), spreading each application over as many executors as it can get
// (Spark standalone's spreadOut). Events in, commands out; the master process does the I/O.
//
// The master is not needed while applications run, so its loss is survivable: an executor that
// registers again names the applications it still serves (their grants are kept), a driver whose
// connection dropped is waited for (`AwaitDriver`, then `AppWaitOver`) before its application is
// forgotten, and a master restarted from a snapshot (`Recovered`) knows its applications and
// executors again, waiting for each to come back the same way. Only connected applications get
// new grants, and only connected executors give them.

/**
 * Where an application's driver listens for the executors it is granted, and the address of its
 * web UI when it serves one (linked from the master's page).
 */
export interface AppDriver { name: string; host: string; port: number; uiUrl?: string }

/** One executor as the master's page shows it: cores, those granted, whether it is connected. */
export interface ExecutorCoresView { executorId: string; cores: number; free: number; connected: boolean; grants: Record<string, number> }

/** What a master persists (`--recovery-dir`) and restores: applications, executors and their grants. */
export interface MasterSnapshot {
  apps: Array<{ appId: string; maxCores: number; driver: AppDriver }>;
  executors: Array<{ executorId: string; cores: number; grants: Record<string, number> }>;
}

export type MasterEvent =
  /** `apps`: applications the executor serves already (slots of each), when it registers again. */
  | { type: 'ExecutorRegistered'; executorId: string; cores: number; apps?: Record<string, number> }
  | { type: 'ExecutorLost'; executorId: string }
  /** The wait an `AwaitExecutor` asked for is over. */
  | { type: 'ExecutorWaitOver'; executorId: string }
  /** A new application, or one registering again after its master connection dropped. */
  | { type: 'AppRegistered'; appId: string; maxCores: number; driver: AppDriver }
  /** The driver's connection closed without the application ending: it may come back. */
  | { type: 'AppDisconnected'; appId: string }
  /** The wait an `AwaitDriver` asked for is over (`wait`: the number it carried). */
  | { type: 'AppWaitOver'; appId: string; wait: number }
  /** The application ended (its driver unregistered). */
  | { type: 'AppFinished'; appId: string }
  | { type: 'AppReleasedByExecutor'; appId: string; executorId: string }
  /** A restarted master read its snapshot: everything in it is known but disconnected until it registers. */
  | { type: 'Recovered'; snapshot: MasterSnapshot };

export type MasterCommand =
  | { type: 'LaunchApp'; appId: string; executorId: string; slots: number; driver: AppDriver }
  | { type: 'ReleaseApp'; appId: string; executorId: string }
  /** Send `AppWaitOver` with this `wait` after the reconnection grace period (a later wait supersedes it). */
  | { type: 'AwaitDriver'; appId: string; wait: number }
  /** Send `ExecutorWaitOver` after the reconnection grace period. */
  | { type: 'AwaitExecutor'; executorId: string }
  /** Reported for the log: the application's driver did not come back in time. */
  | { type: 'AppForgotten'; appId: string }
  /** Reported for the log: a recovered executor did not register again in time. */
  | { type: 'ExecutorForgotten'; executorId: string };

interface ExecutorCores { cores: number; free: number; grants: Map<string, number>; connected: boolean }
interface AppDemand { maxCores: number; driver: AppDriver; connected: boolean; wait: number }

export class MasterState {
  private readonly executors = new Map<string, ExecutorCores>();
  private readonly apps = new Map<string, AppDemand>();
  private waits = 0;

  handle(event: MasterEvent): MasterCommand[] {
    const commands: MasterCommand[] = [];
    switch (event.type) {
      case 'ExecutorRegistered': {
        const grants = new Map(Object.entries(event.apps ?? {}).filter(([, slots]) => Number.isInteger(slots) && slots > 0));
        const used = [...grants.values()].reduce((a, b) => a + b, 0);
        this.executors.set(event.executorId, { cores: event.cores, free: Math.max(0, event.cores - used), grants, connected: true });
        break;
      }
      case 'ExecutorLost':
        this.executors.delete(event.executorId);
        break;
      case 'ExecutorWaitOver':
        if (this.executors.get(event.executorId)?.connected === false) {
          this.executors.delete(event.executorId);
          commands.push({ type: 'ExecutorForgotten', executorId: event.executorId });
        }
        break;
      case 'AppRegistered':
        this.apps.set(event.appId, { maxCores: event.maxCores, driver: event.driver, connected: true, wait: 0 });
        break;
      case 'AppDisconnected': {
        const app = this.apps.get(event.appId);
        if (!app?.connected) break;
        app.connected = false;
        app.wait = ++this.waits;
        commands.push({ type: 'AwaitDriver', appId: event.appId, wait: app.wait });
        break;
      }
      case 'AppWaitOver': {
        const app = this.apps.get(event.appId);
        if (!app || app.connected || app.wait !== event.wait) break;
        this.finishApp(event.appId, commands);
        commands.push({ type: 'AppForgotten', appId: event.appId });
        break;
      }
      case 'AppFinished':
        this.finishApp(event.appId, commands);
        break;
      case 'AppReleasedByExecutor': {
        const executor = this.executors.get(event.executorId);
        const slots = executor?.grants.get(event.appId);
        if (!executor || slots === undefined) break;
        executor.grants.delete(event.appId);
        executor.free += slots;
        break;
      }
      case 'Recovered':
        for (const { appId, maxCores, driver } of event.snapshot.apps) {
          if (this.apps.has(appId)) continue;
          const wait = ++this.waits;
          this.apps.set(appId, { maxCores, driver, connected: false, wait });
          commands.push({ type: 'AwaitDriver', appId, wait });
        }
        for (const { executorId, cores, grants } of event.snapshot.executors) {
          if (this.executors.has(executorId)) continue;
          const kept = new Map(Object.entries(grants));
          const used = [...kept.values()].reduce((a, b) => a + b, 0);
          this.executors.set(executorId, { cores, free: Math.max(0, cores - used), grants: kept, connected: false });
          commands.push({ type: 'AwaitExecutor', executorId });
        }
        break;
    }
    commands.push(...this.allocate());
    return commands;
  }

  /** Free cores of connected executors, for diagnostics ("the master has 0 free cores"). */
  get freeCores(): number {
    let free = 0;
    for (const e of this.executors.values()) if (e.connected) free += e.free;
    return free;
  }

  /** Whether the application is known (connected or waited for). */
  hasApp(appId: string): boolean {
    return this.apps.has(appId);
  }

  /** Whether the executor is known (connected or waited for). */
  hasExecutor(executorId: string): boolean {
    return this.executors.has(executorId);
  }

  /** Cores granted to `appId` over all executors. */
  granted(appId: string): number {
    let granted = 0;
    for (const e of this.executors.values()) granted += e.grants.get(appId) ?? 0;
    return granted;
  }

  /** Every known executor with its cores and grants (the master's page and metrics). */
  executorCores(): ExecutorCoresView[] {
    return [...this.executors].map(([executorId, e]) => ({ executorId, cores: e.cores, free: e.free, connected: e.connected, grants: Object.fromEntries(e.grants) }));
  }

  /** Where the application's driver said it listens, if the application is known. */
  appDriver(appId: string): AppDriver | undefined {
    return this.apps.get(appId)?.driver;
  }

  /** Whether the application's driver is connected now (false: waited for, or unknown). */
  appConnected(appId: string): boolean {
    return this.apps.get(appId)?.connected === true;
  }

  /** Everything a restarted master needs to know its applications and executors again. */
  snapshot(): MasterSnapshot {
    return {
      apps: [...this.apps].map(([appId, app]) => ({ appId, maxCores: app.maxCores, driver: app.driver })),
      executors: [...this.executors].map(([executorId, e]) => ({ executorId, cores: e.cores, grants: Object.fromEntries(e.grants) })),
    };
  }

  private finishApp(appId: string, commands: MasterCommand[]): void {
    this.apps.delete(appId);
    for (const [executorId, executor] of this.executors) {
      const slots = executor.grants.get(appId);
      if (slots === undefined) continue;
      executor.grants.delete(appId);
      executor.free += slots;
      if (executor.connected) commands.push({ type: 'ReleaseApp', appId, executorId });
    }
  }

  private allocate(): MasterCommand[] {
    const commands: MasterCommand[] = [];
    const executors = [...this.executors].filter(([, e]) => e.connected).sort(([a], [b]) => a.localeCompare(b));
    for (const [appId, app] of this.apps) {
      if (!app.connected) continue;
      let wanted = app.maxCores - this.granted(appId);
      for (const [executorId, executor] of executors) {
        if (wanted <= 0) break;
        if (executor.free === 0 || executor.grants.has(appId)) continue;
        const slots = Math.min(executor.free, wanted);
        executor.free -= slots;
        executor.grants.set(appId, slots);
        wanted -= slots;
        commands.push({ type: 'LaunchApp', appId, executorId, slots, driver: app.driver });
      }
    }
    return commands;
  }
}
