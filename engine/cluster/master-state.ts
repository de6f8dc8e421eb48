// The standalone master's allocation logic as a pure state machine: executors offer cores,
// applications ask for up to `maxCores`, and grants are made first-come first-served, one grant
// per (application, executor), spreading each application over as many executors as it can get
// (Spark standalone's spreadOut). Events in, commands out; the master process does the I/O.

export type MasterEvent =
  | { type: 'ExecutorRegistered'; executorId: string; cores: number }
  | { type: 'ExecutorLost'; executorId: string }
  | { type: 'AppRegistered'; appId: string; maxCores: number }
  | { type: 'AppFinished'; appId: string }
  | { type: 'AppReleasedByExecutor'; appId: string; executorId: string };

export type MasterCommand =
  | { type: 'LaunchApp'; appId: string; executorId: string; slots: number }
  | { type: 'ReleaseApp'; appId: string; executorId: string };

interface ExecutorCores { cores: number; free: number; grants: Map<string, number> }
interface AppDemand { maxCores: number; granted: number }

export class MasterState {
  private readonly executors = new Map<string, ExecutorCores>();
  private readonly apps = new Map<string, AppDemand>();

  handle(event: MasterEvent): MasterCommand[] {
    const commands: MasterCommand[] = [];
    switch (event.type) {
      case 'ExecutorRegistered':
        this.executors.set(event.executorId, { cores: event.cores, free: event.cores, grants: new Map() });
        break;
      case 'ExecutorLost': {
        const executor = this.executors.get(event.executorId);
        if (!executor) break;
        for (const [appId, slots] of executor.grants) {
          const app = this.apps.get(appId);
          if (app) app.granted -= slots;
        }
        this.executors.delete(event.executorId);
        break;
      }
      case 'AppRegistered':
        this.apps.set(event.appId, { maxCores: event.maxCores, granted: 0 });
        break;
      case 'AppFinished':
        this.apps.delete(event.appId);
        for (const [executorId, executor] of this.executors) {
          const slots = executor.grants.get(event.appId);
          if (slots === undefined) continue;
          executor.grants.delete(event.appId);
          executor.free += slots;
          commands.push({ type: 'ReleaseApp', appId: event.appId, executorId });
        }
        break;
      case 'AppReleasedByExecutor': {
        const executor = this.executors.get(event.executorId);
        const slots = executor?.grants.get(event.appId);
        if (!executor || slots === undefined) break;
        executor.grants.delete(event.appId);
        executor.free += slots;
        const app = this.apps.get(event.appId);
        if (app) app.granted -= slots;
        break;
      }
    }
    commands.push(...this.allocate());
    return commands;
  }

  /** Free cores of every executor, for diagnostics ("the master has 0 free cores"). */
  get freeCores(): number {
    let free = 0;
    for (const e of this.executors.values()) free += e.free;
    return free;
  }

  private allocate(): MasterCommand[] {
    const commands: MasterCommand[] = [];
    for (const [appId, app] of this.apps) {
      for (const [executorId, executor] of [...this.executors].sort(([a], [b]) => a.localeCompare(b))) {
        const wanted = app.maxCores - app.granted;
        if (wanted <= 0) break;
        if (executor.free === 0 || executor.grants.has(appId)) continue;
        const slots = Math.min(executor.free, wanted);
        executor.free -= slots;
        executor.grants.set(appId, slots);
        app.granted += slots;
        commands.push({ type: 'LaunchApp', appId, executorId, slots });
      }
    }
    return commands;
  }
}
