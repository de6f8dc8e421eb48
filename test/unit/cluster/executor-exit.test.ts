// describeExit: the words that follow "executor exec-2 was lost (…)" for each way an executor
// process ends, most specific first (the OOM killer, an exhausted V8 heap, a signal, an exit code);
// OomKillWatch: a kill the kernel counts in a cgroup is claimed by one SIGKILLed process.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OomKillWatch, describeExit } from '../../../engine/cluster/executor-exit.ts';
import { useTmpDir } from '../../helpers/tmp-dir.ts';

const V8_OOM = [
  '<--- Last few GCs --->',
  '[123:0x5f1]     2107 ms: Mark-Compact 250.9 (258.1) -> 249.8 (258.3) MB, 180.2 / 0.0 ms  (average mu = 0.1) allocation failure',
  'FATAL ERROR: CALL_AND_RETRY_LAST Allocation failed - JavaScript heap out of memory',
  ' 1: 0xb8ced0 node::Abort() [node]',
].join('\n');

describe('describeExit', () => {
  it('names the OOM killer and the cgroup limit when a cgroup killed as the process died of SIGKILL', () => {
    expect(describeExit({ code: null, signal: 'SIGKILL', stderrTail: '', oomKill: { limitBytes: 700 * 2 ** 20 } }))
      .toEqual({ cause: 'its process was killed by the OOM killer (cgroup limit 700 MB)', outOfMemory: true });
    expect(describeExit({ code: null, signal: 'SIGKILL', stderrTail: '', oomKill: { limitBytes: undefined } }))
      .toEqual({ cause: 'its process was killed by the OOM killer (cgroup limit unknown)', outOfMemory: true });
  });

  it('does not blame the OOM killer for a process that ended otherwise while some process was OOM-killed', () => {
    expect(describeExit({ code: 1, signal: null, stderrTail: 'Error: boom', oomKill: { limitBytes: 2 ** 30 } }))
      .toEqual({ cause: 'its process exited with code 1: Error: boom', outOfMemory: false });
  });

  it('names an exhausted V8 heap with the heap limit the executor registered with', () => {
    expect(describeExit({ code: null, signal: 'SIGABRT', stderrTail: V8_OOM, heapLimitBytes: 304 * 2 ** 20 }))
      .toEqual({ cause: 'its process ran out of memory (heap limit 304 MB)', outOfMemory: true });
  });

  it('names a signal, else the exit code and the last error line of stderr', () => {
    expect(describeExit({ code: null, signal: 'SIGKILL', stderrTail: '' })).toEqual({ cause: 'its process was killed by SIGKILL', outOfMemory: false });
    expect(describeExit({ code: 70, signal: null, stderrTail: 'task thread 0 crashed: TypeError: x is undefined\n    at f (a.js:1:1)\n' }))
      .toEqual({ cause: 'its process exited with code 70: task thread 0 crashed: TypeError: x is undefined', outOfMemory: false });
    expect(describeExit({ code: 0, signal: null, stderrTail: '' })).toEqual({ cause: 'its process exited with code 0', outOfMemory: false });
  });
});

describe('OomKillWatch', () => {
  const dir = useTmpDir('oom-watch');

  it('hands each kill counted in the process\'s memory cgroup to one claim, with the cgroup\'s limit', () => {
    const own = readFileSync('/proc/self/cgroup', 'utf8').split('\n').map((l) => /^\d+:([^:]*):(.*)$/.exec(l)).find((m) => m && m[1]!.split(',').includes('memory'));
    const group = own ? join(dir(), 'memory', own[2]!) : join(dir(), readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'))!.slice(3));
    const v1 = own !== undefined;
    mkdirSync(group, { recursive: true });
    const count = (n: number): void => writeFileSync(join(group, v1 ? 'memory.oom_control' : 'memory.events'), `${v1 ? 'under_oom 0' : 'oom 0'}\noom_kill ${n}\n`);
    writeFileSync(join(group, v1 ? 'memory.limit_in_bytes' : 'memory.max'), `${700 * 2 ** 20}\n`);
    count(3);
    const watch = new OomKillWatch(dir());
    watch.add('self');
    expect(watch.claim()).toBeUndefined(); // kills before the watch began are not ours
    count(5); // two executors killed at once
    expect(watch.claim()).toEqual({ limitBytes: 700 * 2 ** 20 });
    expect(watch.claim()).toEqual({ limitBytes: 700 * 2 ** 20 });
    expect(watch.claim()).toBeUndefined();
  });
});
