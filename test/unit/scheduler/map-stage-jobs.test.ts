// Map-stage jobs (Spark's submitMapStage) and partition ranges cut from map output sizes: the driver
// runs a shuffle's map stage alone, cuts its buckets into reduce partitions by bytes, then runs the
// job that reads those ranges; the ranges stay fixed when map outputs are lost and recomputed.

import { describe, expect, it } from 'vitest';
import { InvalidJobSpecError } from '../../../engine/scheduler/errors.ts';
import { PartitionRanges } from '../../../engine/scheduler/partition-ranges.ts';
import type { JobSpec } from '../../../engine/scheduler/types.ts';
import {
  accept,
  completed,
  fetchFailed,
  Harness,
  launch,
  lostExecutor,
  mapStage,
  resubmitted,
  resultStage,
  submitted,
  succeeded,
} from './harness.ts';

/** Partitions of at most 100 bytes (no minimum count). */
const CUT = { targetBytes: 100, minPartitions: 1 };

/** The map stage of shuffle 5 (stage 0, `maps` tasks) as a job of its own. */
const mapStageJob = (jobId: number, maps = 2): JobSpec => ({ jobId, finalStageId: 0, mapStage: true, stages: [mapStage(0, 5, maps)] });

/** A job reading shuffle 5 into `reduces` partitions (stage 0 is the session's map stage of shuffle 5). */
const readingJob = (jobId: number, reduces: number, resultStageId = 1): JobSpec => ({
  jobId,
  finalStageId: resultStageId,
  stages: [mapStage(0, 5, 2), resultStage(resultStageId, reduces, [0])],
});

describe('map-stage jobs', () => {
  it('run the map stage alone and end when its outputs are registered, accepting no results', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 2);
    expect(h.submit(mapStageJob(1))).toEqual([submitted(1, 0, 0, [0, 1]), launch(0, 1, 0, 0, 'exec-a'), launch(1, 1, 0, 1, 'exec-a')]);
    expect(h.finish(0, [30, 50, 40, 0])).toEqual([]);
    expect(h.finish(1, [0, 0, 0, 130])).toEqual([completed(1, 0), succeeded(1)]);
    expect(h.scheduler.activeJobIds()).toEqual([]);
    expect(h.scheduler.mapStage(5)?.state).toBe('idle'); // no job needs it now; its outputs stay
    expect(h.registry.isComplete(5, 2)).toBe(true);
  });

  it('end at once when the shuffle is already complete, and reject a final stage that writes nothing', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 2);
    h.submit(mapStageJob(1));
    h.finish(0);
    h.finish(1);
    expect(h.submit(mapStageJob(2))).toEqual([succeeded(2)]);
    expect(() => h.submit({ jobId: 3, finalStageId: 0, mapStage: true, stages: [resultStage(0, 1)] }))
      .toThrow(new InvalidJobSpecError('job 3 is a map-stage job, but its final stage 0 writes no shuffle.'));
  });

  it('run the parent map stages first, and share a running map stage with a job that reads it', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 1);
    const chained: JobSpec = { jobId: 1, finalStageId: 3, mapStage: true, stages: [mapStage(2, 4, 1), mapStage(3, 5, 1, [2])] };
    expect(h.submit(chained)).toEqual([submitted(1, 2, 0, [0]), launch(0, 1, 2, 0, 'exec-a')]);
    expect(h.finish(0)).toEqual([completed(1, 2), submitted(1, 3, 0, [0]), launch(1, 1, 3, 0, 'exec-a')]);
    // a job reading shuffle 5 joins while the map-stage job runs: it waits for the same tasks
    expect(h.submit({ jobId: 2, finalStageId: 7, stages: [mapStage(2, 4, 1), mapStage(3, 5, 1, [2]), resultStage(7, 1, [3])] })).toEqual([]);
    expect(h.finish(1, [10])).toEqual([completed(1, 3), succeeded(1), submitted(2, 7, 0, [0]), launch(2, 2, 7, 0, 'exec-a')]);
    expect(h.finish(2)).toEqual([accept(2, 2, 0), completed(2, 7), succeeded(2)]);
  });

  it('leave the shared map stage idle when cancelled, its finished outputs kept', () => {
    const h = new Harness();
    h.addExecutor('exec-a', 1);
    h.submit(mapStageJob(1));
    h.finish(0);
    const commands = h.send({ type: 'JobCancelled', jobId: 1, message: 'stopped' });
    expect(commands.map((c) => c.type)).toEqual(['JobFailed', 'KillTask']); // task 1 still running, killed
    expect(h.scheduler.mapStage(5)?.state).toBe('idle');
    expect(h.registry.missingPartitions(5, 2)).toEqual([1]);
    expect(h.finish(1)).toEqual([]); // ignored: no job needs the stage
  });
});

describe('partition ranges cut after the map stage', () => {
  it('are decided from the registered sizes once the map stage ran, and undefined before', () => {
    const h = new Harness();
    const ranges = new PartitionRanges(h.registry);
    h.addExecutor('exec-a', 2);
    h.submit(mapStageJob(1));
    h.finish(0, [30, 50, 40, 0]);
    expect(ranges.decide('5@100', [{ shuffleId: 5, numMaps: 2 }], CUT)).toBeUndefined(); // map 1 still missing
    expect(ranges.size).toBe(0);
    h.finish(1, [0, 0, 0, 130]);
    // bucket bytes [30, 50, 40, 130]: [30, 50] | [40] | [130]
    expect(ranges.decide('5@100', [{ shuffleId: 5, numMaps: 2 }], CUT)).toEqual([[0, 2], [2, 3], [3, 4]]);
    expect(ranges.get('5@100')).toEqual([[0, 2], [2, 3], [3, 4]]);
  });

  it('stay fixed when a reducer cannot fetch a map output and it is recomputed', () => {
    const h = new Harness();
    const ranges = new PartitionRanges(h.registry);
    h.addExecutor('exec-a', 1);
    h.addExecutor('exec-b', 1);
    h.submit(mapStageJob(1));
    h.finish(0, [30, 50, 40, 0]); // exec-a
    h.finish(1, [0, 0, 0, 130]); // exec-b
    const cut = ranges.decide('5@100', [{ shuffleId: 5, numMaps: 2 }], CUT)!;
    expect(cut).toHaveLength(3);
    // the job reading the ranges skips the map stage: 3 reduce partitions
    expect(h.submit(readingJob(2, cut.length))).toEqual([
      submitted(2, 1, 0, [0, 1, 2]), launch(2, 2, 1, 0, 'exec-a'), launch(3, 2, 1, 1, 'exec-b'),
    ]);
    const ff = fetchFailed('exec-b', 5, 1, 2);
    expect(h.fail(3, ff)).toEqual([resubmitted(2, 0, [1], ff), submitted(2, 0, 1, [1]), launch(4, 2, 0, 1, 'exec-b', 1, 1)]);
    expect(ranges.decide('5@100', [{ shuffleId: 5, numMaps: 2 }], CUT)).toBe(cut); // fixed, even while map 1 is missing
    // the recomputed output reports other sizes (were they ever to differ, the cut would not follow)
    expect(h.finish(4, [500, 0, 0, 0])).toEqual([
      completed(2, 0), resubmitted(2, 1, [1], ff), submitted(2, 1, 1, [1, 2]), launch(5, 2, 1, 1, 'exec-b', 1, 1),
    ]);
    expect(ranges.decide('5@100', [{ shuffleId: 5, numMaps: 2 }], CUT)).toEqual([[0, 2], [2, 3], [3, 4]]);
    expect(h.finish(2)).toEqual([accept(2, 2, 0), launch(6, 2, 1, 2, 'exec-a', 0, 1)]);
    h.finish(5);
    expect(h.finish(6)).toEqual([accept(6, 2, 2), completed(2, 1), succeeded(2)]);
    expect(h.registry.locationsFor(5, 2, 3).map((l) => l.size)).toEqual([40, 0]); // bytes of the range, per map output
  });

  it('stay fixed when an executor holding map outputs is lost, and go with the shuffle', () => {
    const h = new Harness();
    const ranges = new PartitionRanges(h.registry);
    h.addExecutor('exec-a', 1);
    h.addExecutor('exec-b', 1);
    h.submit(mapStageJob(1));
    h.finish(0, [30, 50, 40, 0]);
    h.finish(1, [0, 0, 0, 130]);
    const cut = ranges.decide('5@100', [{ shuffleId: 5, numMaps: 2 }], CUT);
    h.loseExecutor('exec-b');
    expect(h.submit(mapStageJob(2))).toEqual([
      resubmitted(2, 0, [1], lostExecutor('exec-b')), submitted(2, 0, 1, [1]), launch(2, 2, 0, 1, 'exec-a', 1, 1),
    ]);
    h.finish(2, [1, 1, 1, 1]);
    expect(ranges.decide('5@100', [{ shuffleId: 5, numMaps: 2 }], CUT)).toBe(cut);
    ranges.forget(5);
    expect(ranges.size).toBe(0);
    expect(ranges.get('5@100')).toBeUndefined();
  });

  it('cut both sides of a join alike from their summed sizes', () => {
    const h = new Harness();
    const ranges = new PartitionRanges(h.registry);
    h.registry.register(1, 0, { executorId: 'a', blockSizes: [60, 0, 10] });
    h.registry.register(2, 0, { executorId: 'a', blockSizes: [0, 60, 10] });
    h.registry.register(2, 1, { executorId: 'a', blockSizes: [0, 0, 50] });
    expect(ranges.decide('1+2@100', [{ shuffleId: 1, numMaps: 1 }, { shuffleId: 2, numMaps: 2 }], CUT)).toEqual([[0, 1], [1, 2], [2, 3]]);
    expect(ranges.decide('3@100', [{ shuffleId: 3, numMaps: 0 }], CUT)).toEqual([[0, 1]]); // no map output: one empty partition
    ranges.forget(2);
    expect(ranges.get('1+2@100')).toBeUndefined();
    // at least 4 partitions while each keeps 1 MB: 8 MB in 8 buckets is cut in 4 despite a 64 MB target
    const MB = 1 << 20;
    h.registry.register(6, 0, { executorId: 'a', blockSizes: Array.from({ length: 8 }, () => MB) });
    expect(ranges.decide('6', [{ shuffleId: 6, numMaps: 1 }], { targetBytes: 64 * MB, minPartitions: 4 })).toEqual([[0, 2], [2, 4], [4, 6], [6, 8]]);
    h.registry.register(7, 0, { executorId: 'a', blockSizes: Array.from({ length: 8 }, () => MB / 4) });
    expect(ranges.decide('7', [{ shuffleId: 7, numMaps: 1 }], { targetBytes: 64 * MB, minPartitions: 4 })).toEqual([[0, 4], [4, 8]]);
    expect(ranges.get('3@100')).toEqual([[0, 1]]);
  });
});
