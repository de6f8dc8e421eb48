// The standalone master's state machine, events in and commands out: first-come first-served
// grants spread over executors, and the transitions that let applications survive the master
// (executors and drivers registering again, waits for those that dropped, a restart from a snapshot).

import { describe, expect, it } from 'vitest';
import { MasterState } from '../../../engine/cluster/master-state.ts';
import type { AppDriver, MasterCommand, MasterSnapshot } from '../../../engine/cluster/master-state.ts';
import { MasterRecoveryFile } from '../../../engine/cluster/master-recovery.ts';
import { reconnectDelayMs } from '../../../engine/protocol/index.ts';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTmpDir } from '../../helpers/tmp-dir.ts';

const driver = (port: number): AppDriver => ({ name: `job-${port}`, host: '127.0.0.1', port });
const launches = (commands: MasterCommand[]): string[] =>
  commands.filter((c) => c.type === 'LaunchApp').map((c) => c.type === 'LaunchApp' ? `${c.appId}@${c.executorId}x${c.slots}` : '');
const ofType = <T extends MasterCommand['type']>(commands: MasterCommand[], type: T): Array<Extract<MasterCommand, { type: T }>> =>
  commands.filter((c): c is Extract<MasterCommand, { type: T }> => c.type === type);

/** Two executors of two cores, and app-1 (max 4 cores) holding all of them. */
function twoExecutorsOneApp(): MasterState {
  const state = new MasterState();
  state.handle({ type: 'ExecutorRegistered', executorId: 'exec-1', cores: 2 });
  state.handle({ type: 'ExecutorRegistered', executorId: 'exec-2', cores: 2 });
  state.handle({ type: 'AppRegistered', appId: 'app-1', maxCores: 4, driver: driver(5001) });
  return state;
}

describe('MasterState: grants', () => {
  it('spreads an application over the executors in id order up to maxCores, with its driver in each launch', () => {
    const state = new MasterState();
    expect(state.handle({ type: 'ExecutorRegistered', executorId: 'exec-2', cores: 2 })).toEqual([]);
    expect(state.handle({ type: 'ExecutorRegistered', executorId: 'exec-1', cores: 2 })).toEqual([]);
    const commands = state.handle({ type: 'AppRegistered', appId: 'app-1', maxCores: 3, driver: driver(5001) });
    expect(commands).toEqual([
      { type: 'LaunchApp', appId: 'app-1', executorId: 'exec-1', slots: 2, driver: driver(5001) },
      { type: 'LaunchApp', appId: 'app-1', executorId: 'exec-2', slots: 1, driver: driver(5001) },
    ]);
    expect(state.freeCores).toBe(1);
    expect(launches(state.handle({ type: 'AppRegistered', appId: 'app-2', maxCores: 8, driver: driver(5002) }))).toEqual(['app-2@exec-2x1']);
  });

  it('releases a finished application on every executor and gives the cores to one that waits', () => {
    const state = twoExecutorsOneApp();
    expect(state.handle({ type: 'AppRegistered', appId: 'app-2', maxCores: 1, driver: driver(5002) })).toEqual([]);
    const commands = state.handle({ type: 'AppFinished', appId: 'app-1' });
    expect(ofType(commands, 'ReleaseApp').map((c) => c.executorId)).toEqual(['exec-1', 'exec-2']);
    expect(launches(commands)).toEqual(['app-2@exec-1x1']);
  });

  it('an executor releasing an application frees its cores; a lost executor takes its grants with it', () => {
    const state = twoExecutorsOneApp();
    expect(state.handle({ type: 'AppReleasedByExecutor', appId: 'app-1', executorId: 'exec-1' })).toEqual([
      { type: 'LaunchApp', appId: 'app-1', executorId: 'exec-1', slots: 2, driver: driver(5001) },
    ]);
    expect(state.handle({ type: 'ExecutorLost', executorId: 'exec-2' })).toEqual([]);
    expect(state.granted('app-1')).toBe(2);
    expect(launches(state.handle({ type: 'ExecutorRegistered', executorId: 'exec-3', cores: 4 }))).toEqual(['app-1@exec-3x2']);
  });
});

describe('MasterState: executors registering again', () => {
  it('an executor that comes back still serving an application keeps that grant: no second launch, nothing freed', () => {
    const state = twoExecutorsOneApp();
    state.handle({ type: 'ExecutorLost', executorId: 'exec-2' });
    expect(state.granted('app-1')).toBe(2);
    expect(state.handle({ type: 'ExecutorRegistered', executorId: 'exec-2', cores: 2, apps: { 'app-1': 2 } })).toEqual([]);
    expect(state.granted('app-1')).toBe(4);
    expect(state.freeCores).toBe(0);
  });

  it('an executor that comes back having dropped the application (its driver declared it lost) is granted it again', () => {
    const state = twoExecutorsOneApp();
    state.handle({ type: 'ExecutorLost', executorId: 'exec-2' });
    expect(state.handle({ type: 'ExecutorRegistered', executorId: 'exec-2', cores: 2, apps: {} })).toEqual([
      { type: 'LaunchApp', appId: 'app-1', executorId: 'exec-2', slots: 2, driver: driver(5001) },
    ]);
  });

  it('grants of an application the master does not know yet are kept and counted once its driver registers', () => {
    const state = new MasterState(); // a restarted master without a recovery folder
    state.handle({ type: 'ExecutorRegistered', executorId: 'exec-1', cores: 2, apps: { 'app-7': 2 } });
    state.handle({ type: 'ExecutorRegistered', executorId: 'exec-2', cores: 2, apps: { 'app-7': 1 } });
    expect(state.freeCores).toBe(1);
    expect(state.handle({ type: 'AppRegistered', appId: 'app-7', maxCores: 4, driver: driver(5007) })).toEqual([]);
    expect(state.granted('app-7')).toBe(3);
    // once registered it is allocated like any application: cores exec-2 frees go to it, up to its maxCores
    expect(launches(state.handle({ type: 'AppReleasedByExecutor', appId: 'app-7', executorId: 'exec-2' }))).toEqual(['app-7@exec-2x2']);
    expect(state.granted('app-7')).toBe(4);
  });
});

describe('MasterState: drivers whose connection dropped', () => {
  it('keeps a disconnected application\'s grants while it is waited for, and makes it no new grants', () => {
    const state = twoExecutorsOneApp();
    const commands = state.handle({ type: 'AppDisconnected', appId: 'app-1' });
    expect(commands).toEqual([{ type: 'AwaitDriver', appId: 'app-1', wait: expect.any(Number) }]);
    expect(state.handle({ type: 'AppReleasedByExecutor', appId: 'app-1', executorId: 'exec-1' })).toEqual([]); // not re-granted meanwhile
    expect(state.granted('app-1')).toBe(2);
  });

  it('an application registering again before the wait is over is not forgotten when the wait ends', () => {
    const state = twoExecutorsOneApp();
    const [wait] = ofType(state.handle({ type: 'AppDisconnected', appId: 'app-1' }), 'AwaitDriver');
    expect(state.handle({ type: 'AppRegistered', appId: 'app-1', maxCores: 4, driver: driver(5001) })).toEqual([]);
    expect(state.handle({ type: 'AppWaitOver', appId: 'app-1', wait: wait!.wait })).toEqual([]);
    expect(state.hasApp('app-1')).toBe(true);
    expect(state.granted('app-1')).toBe(4);
  });

  it('a wait superseded by a later disconnection does not end the later one early', () => {
    const state = twoExecutorsOneApp();
    const [first] = ofType(state.handle({ type: 'AppDisconnected', appId: 'app-1' }), 'AwaitDriver');
    state.handle({ type: 'AppRegistered', appId: 'app-1', maxCores: 4, driver: driver(5001) });
    const [second] = ofType(state.handle({ type: 'AppDisconnected', appId: 'app-1' }), 'AwaitDriver');
    expect(second!.wait).not.toBe(first!.wait);
    expect(state.handle({ type: 'AppWaitOver', appId: 'app-1', wait: first!.wait })).toEqual([]);
    expect(state.hasApp('app-1')).toBe(true);
    const over = state.handle({ type: 'AppWaitOver', appId: 'app-1', wait: second!.wait });
    expect(over).toEqual([
      { type: 'ReleaseApp', appId: 'app-1', executorId: 'exec-1' },
      { type: 'ReleaseApp', appId: 'app-1', executorId: 'exec-2' },
      { type: 'AppForgotten', appId: 'app-1' },
    ]);
    expect(state.hasApp('app-1')).toBe(false);
    expect(state.freeCores).toBe(4);
  });
});

describe('MasterState: restart from a snapshot', () => {
  const snapshotOfRunningCluster = (): MasterSnapshot => {
    const state = twoExecutorsOneApp();
    state.handle({ type: 'AppRegistered', appId: 'app-2', maxCores: 1, driver: driver(5002) });
    return state.snapshot();
  };

  it('the snapshot holds applications, executors and grants, and survives JSON', () => {
    const snapshot = snapshotOfRunningCluster();
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual({
      apps: [
        { appId: 'app-1', maxCores: 4, driver: driver(5001) },
        { appId: 'app-2', maxCores: 1, driver: driver(5002) },
      ],
      executors: [
        { executorId: 'exec-1', cores: 2, grants: { 'app-1': 2 } },
        { executorId: 'exec-2', cores: 2, grants: { 'app-1': 2 } },
      ],
    });
  });

  it('a recovered master knows everything again, waits for each, and grants nothing until they are back', () => {
    const state = new MasterState();
    const commands = state.handle({ type: 'Recovered', snapshot: snapshotOfRunningCluster() });
    expect(commands).toEqual([
      { type: 'AwaitDriver', appId: 'app-1', wait: expect.any(Number) },
      { type: 'AwaitDriver', appId: 'app-2', wait: expect.any(Number) },
      { type: 'AwaitExecutor', executorId: 'exec-1' },
      { type: 'AwaitExecutor', executorId: 'exec-2' },
    ]);
    expect(state.hasApp('app-1') && state.hasApp('app-2') && state.hasExecutor('exec-1')).toBe(true);
    expect(state.granted('app-1')).toBe(4);
    expect(state.freeCores).toBe(0);
    // drivers come back first: nothing to grant while no executor is connected
    expect(state.handle({ type: 'AppRegistered', appId: 'app-1', maxCores: 4, driver: driver(5001) })).toEqual([]);
    expect(state.handle({ type: 'AppRegistered', appId: 'app-2', maxCores: 1, driver: driver(5002) })).toEqual([]);
    // exec-1 still serves app-1: kept; exec-2 dropped it meanwhile: granted again, app-2 still gets nothing (no core left)
    expect(state.handle({ type: 'ExecutorRegistered', executorId: 'exec-1', cores: 2, apps: { 'app-1': 2 } })).toEqual([]);
    expect(launches(state.handle({ type: 'ExecutorRegistered', executorId: 'exec-2', cores: 2, apps: {} }))).toEqual(['app-1@exec-2x2']);
    expect(state.handle({ type: 'ExecutorWaitOver', executorId: 'exec-1' })).toEqual([]);
    expect(state.hasExecutor('exec-1')).toBe(true);
  });

  it('a recovered executor that never registers again is forgotten, and its cores go to whoever is connected', () => {
    const state = new MasterState();
    state.handle({ type: 'Recovered', snapshot: snapshotOfRunningCluster() });
    state.handle({ type: 'AppRegistered', appId: 'app-1', maxCores: 4, driver: driver(5001) });
    state.handle({ type: 'ExecutorRegistered', executorId: 'exec-1', cores: 2, apps: { 'app-1': 2 } });
    state.handle({ type: 'ExecutorRegistered', executorId: 'exec-3', cores: 2 });
    expect(state.granted('app-1')).toBe(4); // exec-2's recovered grant still counts while it is waited for
    const commands = state.handle({ type: 'ExecutorWaitOver', executorId: 'exec-2' });
    expect(commands).toEqual([
      { type: 'ExecutorForgotten', executorId: 'exec-2' },
      { type: 'LaunchApp', appId: 'app-1', executorId: 'exec-3', slots: 2, driver: driver(5001) },
    ]);
  });

  it('a recovered application whose driver never comes back is forgotten; connected executors release it', () => {
    const state = new MasterState();
    const [wait1] = ofType(state.handle({ type: 'Recovered', snapshot: snapshotOfRunningCluster() }), 'AwaitDriver');
    state.handle({ type: 'ExecutorRegistered', executorId: 'exec-1', cores: 2, apps: { 'app-1': 2 } });
    expect(state.handle({ type: 'AppWaitOver', appId: 'app-1', wait: wait1!.wait })).toEqual([
      { type: 'ReleaseApp', appId: 'app-1', executorId: 'exec-1' }, // exec-2 is not connected: nothing to send it
      { type: 'AppForgotten', appId: 'app-1' },
    ]);
    expect(state.hasApp('app-1')).toBe(false);
  });
});

describe('MasterRecoveryFile', () => {
  const tmp = useTmpDir('master-recovery');

  it('writes atomically (no temporary file left) and reads back what it wrote', () => {
    const file = new MasterRecoveryFile(join(tmp(), 'recovery'));
    expect(file.read()).toBeUndefined();
    const snapshot = twoExecutorsOneApp().snapshot();
    file.write({ nextApp: 3, snapshot });
    expect(readdirSync(join(tmp(), 'recovery'))).toEqual(['master-state.json']);
    expect(new MasterRecoveryFile(join(tmp(), 'recovery')).read()).toEqual({ nextApp: 3, snapshot });
  });

  it('refuses a file it did not write, naming it and how to start afresh', () => {
    const dir = join(tmp(), 'bad');
    const file = new MasterRecoveryFile(dir);
    file.read();
    writeFileSync(join(dir, 'master-state.json'), '{"version":1,"nextApp":2,"snapshot":{"apps":[{"appId":5}],"executors":[]}}');
    expect(() => new MasterRecoveryFile(dir).read()).toThrow(/master-state\.json is not one this master wrote .*remove it to start/);
    writeFileSync(join(dir, 'master-state.json'), '{"version":1,"nextA');
    expect(() => new MasterRecoveryFile(dir).read()).toThrow(/recovery file .* is not one this master wrote/);
  });
});

describe('reconnectDelayMs: how drivers and executors pace their dialling of a master that went away', () => {
  it('grows exponentially from the first delay, never exceeds the cap, and is jittered between half and all of its value', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 10, 1_000].map((attempt) => reconnectDelayMs(attempt, 1 - Number.EPSILON));
    expect(ceilings).toEqual([100, 200, 400, 800, 1_600, 2_000, 2_000, 2_000]);
    expect([0, 1, 2, 3, 4, 5, 10].map((attempt) => reconnectDelayMs(attempt, 0))).toEqual([50, 100, 200, 400, 800, 1_000, 1_000]);
    for (let i = 0; i < 1_000; i++) {
      const attempt = i % 12;
      const delay = reconnectDelayMs(attempt, Math.random(), { firstMs: 50, maxMs: 700 });
      const ceiling = Math.min(700, 50 * 2 ** attempt);
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2 - 1);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
  });
});
