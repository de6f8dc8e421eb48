// Checking a job's stage graph and ordering its stages parents-first.

import { describe, expect, it } from 'vitest';
import { InvalidJobSpecError } from '../../../engine/scheduler/errors.ts';
import { buildJobGraph } from '../../../engine/scheduler/job-graph.ts';
import type { JobSpec } from '../../../engine/scheduler/types.ts';

const none = (): number | undefined => undefined;

describe('buildJobGraph', () => {
  it('orders stages parents first, ties by lowest stage id, and leaves out unreachable stages', () => {
    // 3 ─┐            6 (unreachable)
    // 1 ─┼─▶ 4 ─┐
    //    └──────┴─▶ 9
    const job: JobSpec = {
      jobId: 1,
      finalStageId: 9,
      stages: [
        { stageId: 9, numPartitions: 1, parentStageIds: [4, 1] },
        { stageId: 4, numPartitions: 2, parentStageIds: [3, 1], shuffleId: 40 },
        { stageId: 3, numPartitions: 2, parentStageIds: [], shuffleId: 30 },
        { stageId: 1, numPartitions: 2, parentStageIds: [], shuffleId: 10 },
        { stageId: 6, numPartitions: 2, parentStageIds: [], shuffleId: 60 },
      ],
    };
    expect(buildJobGraph(job, none).topoOrder.map((s) => s.stageId)).toEqual([1, 3, 4, 9]);
  });

  it('names the stages of a cycle, not those merely downstream of it', () => {
    const job: JobSpec = {
      jobId: 2,
      finalStageId: 3,
      stages: [
        { stageId: 0, numPartitions: 1, parentStageIds: [], shuffleId: 0 },
        { stageId: 1, numPartitions: 1, parentStageIds: [0, 2], shuffleId: 1 },
        { stageId: 2, numPartitions: 1, parentStageIds: [1], shuffleId: 2 },
        { stageId: 3, numPartitions: 1, parentStageIds: [2] },
      ],
    };
    expect(() => buildJobGraph(job, none)).toThrow(new InvalidJobSpecError('job 2: stages 1, 2 depend on each other in a cycle.'));
  });

  it('rejects preferred locations for more partitions than the stage has', () => {
    const job: JobSpec = {
      jobId: 3,
      finalStageId: 0,
      stages: [{ stageId: 0, numPartitions: 1, parentStageIds: [], preferredLocations: [['a'], ['b']] }],
    };
    expect(() => buildJobGraph(job, none)).toThrow(/preferredLocations has 2 entries for 1 partitions/);
  });
});
