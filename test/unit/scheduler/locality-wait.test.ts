import { describe, expect, it } from 'vitest';
import { LocalityWait } from '../../../engine/scheduler/locality-wait.ts';

describe('LocalityWait', () => {
  it('holds a stage for its busy preferred executor until the wait has passed', () => {
    const wait = new LocalityWait(3000);
    const stage = {};
    wait.tick(1000);
    expect(wait.mayLaunch(stage, ['exec-a'], 'exec-b')).toBe(false);
    wait.tick(2500);
    expect(wait.mayLaunch(stage, ['exec-a'], 'exec-b')).toBe(false);
    wait.tick(4100);
    expect(wait.mayLaunch(stage, ['exec-a'], 'exec-b')).toBe(true);
  });

  it('resets the wait on a launch where the data is, and never holds tasks without preferences', () => {
    const wait = new LocalityWait(3000);
    const stage = {};
    wait.tick(1000);
    expect(wait.mayLaunch(stage, ['exec-a'], 'exec-b')).toBe(false);
    wait.tick(4100);
    expect(wait.mayLaunch(stage, ['exec-a'], 'exec-a')).toBe(true); // local launch: wait starts over
    expect(wait.mayLaunch(stage, ['exec-a'], 'exec-b')).toBe(false);
    expect(wait.mayLaunch(stage, [], 'exec-b')).toBe(true);
  });

  it('never waits with a wait of 0', () => {
    expect(new LocalityWait(0).mayLaunch({}, ['exec-a'], 'exec-b')).toBe(true);
  });
});
