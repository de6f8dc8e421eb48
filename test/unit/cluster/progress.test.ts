import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { ProgressReporter } from '../../../engine/cluster/progress.ts';

function capture(enabled: boolean): { reporter: ProgressReporter; text: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => { text += c.toString(); });
  return { reporter: new ProgressReporter(enabled, out as unknown as NodeJS.WriteStream), text: () => text };
}

describe('ProgressReporter', () => {
  it('draws one line per stage with tasks done, total and elapsed time', async () => {
    const { reporter, text } = capture(true);
    reporter.stageSubmitted(3, 4);
    for (let i = 0; i < 4; i++) reporter.taskDone(3);
    reporter.stageCompleted(3);
    await new Promise((r) => setImmediate(r));
    const lines = text().split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/stage 3: 0\/4 tasks, \d+\.\d s/);
    expect(lines[0]!.split('\r').pop()).toMatch(/\x1b\[2Kstage 3: 4\/4 tasks, \d+\.\d s$/);
  });

  it('shows the bytes the tasks of the stage spilled', async () => {
    const { reporter, text } = capture(true);
    reporter.stageSubmitted(2, 2);
    reporter.taskDone(2, 3 * 2 ** 20);
    reporter.taskDone(2, 2 ** 19);
    reporter.stageCompleted(2);
    await new Promise((r) => setImmediate(r));
    expect(text().split('\r').pop()).toMatch(/stage 2: 2\/2 tasks, \d+\.\d s, spilled 3\.5 MB\n$/);
  });

  it('counts tasks added by a resubmission', async () => {
    const { reporter, text } = capture(true);
    reporter.stageSubmitted(1, 2);
    reporter.taskDone(1);
    reporter.stageSubmitted(1, 1);
    reporter.stageCompleted(1);
    await new Promise((r) => setImmediate(r));
    expect(text()).toMatch(/stage 1: 1\/3 tasks/);
  });

  it('writes nothing when disabled (output is not a terminal)', async () => {
    const { reporter, text } = capture(false);
    reporter.stageSubmitted(0, 2);
    reporter.taskDone(0);
    reporter.stageCompleted(0);
    await new Promise((r) => setImmediate(r));
    expect(text()).toBe('');
  });
});
