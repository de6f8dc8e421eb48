// describeExit: the words that follow "executor exec-2 was lost (…)" for each way an executor
// process ends, most specific first (the OOM killer, an exhausted V8 heap, a signal, an exit code).

import { describe, expect, it } from 'vitest';
import { describeExit } from '../../../engine/cluster/executor-exit.ts';

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
