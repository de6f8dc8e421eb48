// The UI fold's per-stage task table: tasks found by id whatever order their ids come in (in order,
// out of order, ended without a start, started twice), and given back as the status model's objects.

import { describe, expect, it } from 'vitest';
import type { TaskIo } from '../../../engine/events/events.ts';
import { ColumnPool, NameTable, TaskTable } from '../../../engine/events/task-table.ts';

const io = (n: number): TaskIo => ({
  inputBytes: n, inputRecords: n + 1, shuffleReadBytes: n + 2, shuffleReadRecords: n + 3, shuffleWriteBytes: n + 4, shuffleWriteRecords: n + 5,
  outputRecords: n + 6, spillBytes: n + 7, peakMemoryBytes: n + 8,
});

describe('TaskTable', () => {
  it('keeps every task by id, in order, out of order and ended without a start, through growth', () => {
    const table = new TaskTable(new NameTable());
    const ids = [100, 101, 102, 7, 103, 250, 104, 5, 106, 105, ...Array.from({ length: 40 }, (_, i) => 300 + i)];
    for (const taskId of ids) table.start({ taskId, partition: taskId % 13, attempt: 0, executorId: `exec-${taskId % 3}`, host: `h${taskId % 2}`, time: taskId });
    // every id ends once; its status before was 'running'
    for (const taskId of ids) {
      const failure = taskId % 5 === 0 ? `boom ${taskId}` : undefined;
      const before = table.end({
        taskId, partition: taskId % 13, attempt: 0, executorId: 'ignored', time: taskId + 10, durationMs: 10,
        status: failure ? 'failed' : 'succeeded', io: io(taskId), ...(failure ? { failure } : {}),
      });
      expect(before).toBe('running');
    }
    // one more, never started: recorded from its end, with no host
    expect(table.end({ taskId: 999, partition: 1, attempt: 2, executorId: 'exec-9', time: 50, durationMs: 20, status: 'killed', io: io(1) })).toBeUndefined();
    // a second end of the same task says how it had ended
    expect(table.end({ taskId: 999, partition: 1, attempt: 2, executorId: 'exec-9', time: 51, durationMs: 21, status: 'killed', io: io(1) })).toBe('killed');

    const tasks = table.toStatuses();
    expect(tasks.map((t) => t.taskId)).toEqual([...ids, 999]);
    for (const t of tasks.slice(0, ids.length)) {
      expect(t).toEqual({
        taskId: t.taskId, partition: t.taskId % 13, attempt: 0, executorId: `exec-${t.taskId % 3}`, host: `h${t.taskId % 2}`,
        startTime: t.taskId, endTime: t.taskId + 10, durationMs: 10, status: t.taskId % 5 === 0 ? 'failed' : 'succeeded', io: io(t.taskId),
        ...(t.taskId % 5 === 0 ? { failure: `boom ${t.taskId}` } : {}),
      });
    }
    expect(tasks.at(-1)).toEqual({ taskId: 999, partition: 1, attempt: 2, executorId: 'exec-9', host: '', startTime: 30, endTime: 51, durationMs: 21, status: 'killed', io: io(1) });
  });

  it('starts a task afresh when it starts again, dropping its earlier failure', () => {
    const table = new TaskTable(new NameTable());
    table.start({ taskId: 4, partition: 0, attempt: 0, executorId: 'a', host: 'h', time: 1 });
    table.end({ taskId: 4, partition: 0, attempt: 0, executorId: 'a', time: 2, durationMs: 1, status: 'failed', io: io(0), failure: 'x' });
    table.start({ taskId: 4, partition: 0, attempt: 0, executorId: 'b', host: 'h', time: 3 });
    expect(table.toStatuses()).toEqual([{ taskId: 4, partition: 0, attempt: 0, executorId: 'b', host: 'h', startTime: 3, status: 'running' }]);
  });

  it('gives a field first set late, after the table grew, as 0 for the tasks before it', () => {
    const table = new TaskTable(new NameTable(), 2);
    const zero = io(0);
    for (const key of Object.keys(zero) as (keyof TaskIo)[]) zero[key] = 0;
    for (let taskId = 0; taskId < 9; taskId++) {
      table.start({ taskId, partition: taskId, attempt: taskId === 8 ? 3 : 0, executorId: 'driver', host: 'h', time: 100 });
      table.end({ taskId, partition: taskId, attempt: taskId === 8 ? 3 : 0, executorId: 'driver', time: 100, durationMs: 0, status: 'succeeded', io: taskId === 8 ? io(5) : zero });
    }
    const tasks = table.toStatuses();
    expect(tasks.map((t) => [t.taskId, t.attempt, t.io?.spillBytes])).toEqual([...Array.from({ length: 8 }, (_, i) => [i, 0, 0]), [8, 3, 12]]);
    expect([...table.succeeded('spillBytes')]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 12]);
    expect([...table.succeeded('durationMs')]).toEqual(new Array(9).fill(0));
  });

  it('hands a released table\'s columns to the next table, which reads zeros where it set nothing', () => {
    const pool = new ColumnPool();
    const names = new NameTable();
    const first = new TaskTable(names, 6, pool);
    for (let taskId = 0; taskId < 6; taskId++) {
      // every field set and not 0: the second table's row 0 reads 0 only if the columns come back zeroed
      first.start({ taskId, partition: taskId + 100, attempt: 1, executorId: 'exec-1', host: 'h1', time: 10 });
      first.end({ taskId, partition: taskId + 100, attempt: 1, executorId: 'exec-1', time: 20, durationMs: 10, status: 'succeeded', io: io(taskId + 1) });
    }
    first.release();
    expect(first.size).toBe(0);
    const second = new TaskTable(names, 6, pool);
    const zero = io(0);
    for (const key of Object.keys(zero) as (keyof TaskIo)[]) zero[key] = 0;
    // partition 0 at row 0, then others: its column is taken at row 1, after row 0 was (not) set
    for (let taskId = 6; taskId < 12; taskId++) {
      second.start({ taskId, partition: taskId - 6, attempt: 0, executorId: 'exec-1', host: 'h1', time: 30 });
      second.end({ taskId, partition: taskId - 6, attempt: 0, executorId: 'exec-1', time: 31, durationMs: 1, status: 'succeeded', io: zero });
    }
    expect(second.toStatuses()).toEqual(Array.from({ length: 6 }, (_, i) => ({
      taskId: 6 + i, partition: i, attempt: 0, executorId: 'exec-1', host: 'h1', startTime: 30, endTime: 31, durationMs: 1, status: 'succeeded', io: zero,
    })));
  });

  it('gives back the same memory zeroed, keeps only whole arrays, and no more than its limit', () => {
    const pool = new ColumnPool(8 * 16);
    const a = pool.take(16);
    a.fill(7);
    pool.give(a);
    const b = pool.take(16);
    expect(b).toBe(a);
    expect([...b]).toEqual(new Array(16).fill(0));
    pool.give(b.subarray(1)); // a view of part of a buffer: not taken
    expect(pool.take(16)).not.toBe(b);
    pool.give(b);
    pool.give(new Float64Array(16)); // past the limit (128 bytes): dropped
    expect(pool.take(16)).toBe(b);
    expect(pool.take(16)).not.toBe(b);
  });
});
