// Checks a JobSpec and orders its stages parents-first. Pure: the scheduler calls it before touching
// any state, so a malformed spec from the planner is rejected with nothing half-done.

import { InvalidJobSpecError } from './errors.ts';
import type { JobSpec, StageSpec } from './types.ts';

/** A checked job: its stages by id, and the stages the final stage depends on, parents first. */
export interface JobGraph {
  stagesById: Map<number, StageSpec>;
  /** Stages reachable from the final stage; a stage comes after all its parents, ties by lowest stageId. */
  topoOrder: StageSpec[];
}

/**
 * Validates `job` and returns its stage graph. `knownMapPartitions(shuffleId)` gives the partition
 * count this session already uses for a shuffle (a later job must agree), or undefined.
 *
 * @example
 *   const graph = buildJobGraph({ jobId: 1, finalStageId: 1, stages: [
 *     { stageId: 0, numPartitions: 2, parentStageIds: [], shuffleId: 0 },
 *     { stageId: 1, numPartitions: 3, parentStageIds: [0] }] }, () => undefined);
 *   graph.topoOrder.map((s) => s.stageId); // → [0, 1]
 */
export function buildJobGraph(job: JobSpec, knownMapPartitions: (shuffleId: number) => number | undefined): JobGraph {
  const where = `job ${job.jobId}`;
  const stagesById = new Map<number, StageSpec>();
  const shuffleOwners = new Map<number, number>();
  if (!job.stages.some((stage) => stage.stageId === job.finalStageId)) {
    const ids = job.stages.map((stage) => stage.stageId).join(', ');
    throw new InvalidJobSpecError(`${where}: finalStageId ${job.finalStageId} is not among its stages (${ids}).`);
  }
  for (const stage of job.stages) {
    if (stagesById.has(stage.stageId)) throw new InvalidJobSpecError(`${where} lists stage ${stage.stageId} twice.`);
    stagesById.set(stage.stageId, stage);
    if (!Number.isInteger(stage.numPartitions) || stage.numPartitions < 0) {
      throw new InvalidJobSpecError(
        `${where}, stage ${stage.stageId}: numPartitions must be a non-negative integer, got ${stage.numPartitions}.`,
      );
    }
    if ((stage.preferredLocations?.length ?? 0) > stage.numPartitions) {
      throw new InvalidJobSpecError(
        `${where}, stage ${stage.stageId}: preferredLocations has ${stage.preferredLocations!.length} entries ` +
          `for ${stage.numPartitions} partitions; give at most one entry per partition.`,
      );
    }
    if (stage.stageId === job.finalStageId && job.mapStage === true && stage.shuffleId === undefined) {
      throw new InvalidJobSpecError(`${where} is a map-stage job, but its final stage ${stage.stageId} writes no shuffle.`);
    }
    if (stage.shuffleId === undefined) {
      if (stage.stageId !== job.finalStageId) {
        throw new InvalidJobSpecError(
          `${where}, stage ${stage.stageId} is not the final stage (${job.finalStageId}) but has no shuffleId; ` +
            `every non-final stage must write a shuffle that a later stage reads.`,
        );
      }
      continue;
    }
    if (stage.stageId === job.finalStageId && job.mapStage !== true) {
      throw new InvalidJobSpecError(
        `${where}: the final stage ${stage.stageId} has shuffleId ${stage.shuffleId}; the final stage is the ` +
          `result stage and must not write a shuffle (unless the job is a map-stage job, mapStage: true).`,
      );
    }
    const other = shuffleOwners.get(stage.shuffleId);
    if (other !== undefined) {
      throw new InvalidJobSpecError(`${where}: stages ${other} and ${stage.stageId} both write shuffle ${stage.shuffleId}.`);
    }
    shuffleOwners.set(stage.shuffleId, stage.stageId);
    const known = knownMapPartitions(stage.shuffleId);
    if (known !== undefined && known !== stage.numPartitions) {
      throw new InvalidJobSpecError(
        `${where}, stage ${stage.stageId}: shuffle ${stage.shuffleId} has ${stage.numPartitions} map partitions, ` +
          `but an earlier job of this session ran it with ${known}. A shuffle id must always mean the same data.`,
      );
    }
  }
  for (const stage of job.stages) {
    for (const parentId of stage.parentStageIds) {
      const parent = stagesById.get(parentId);
      if (!parent) {
        throw new InvalidJobSpecError(`${where}, stage ${stage.stageId}: parent stage ${parentId} is not among the job's stages.`);
      }
      if (parent.shuffleId === undefined) {
        throw new InvalidJobSpecError(
          `${where}, stage ${stage.stageId}: parent stage ${parentId} writes no shuffle, so there is nothing to read from it.`,
        );
      }
    }
  }
  return { stagesById, topoOrder: topologicalOrder(job, stagesById.get(job.finalStageId)!, stagesById) };
}

/** Kahn's algorithm over the stages reachable from `finalStage`, always taking the lowest ready stageId. */
function topologicalOrder(job: JobSpec, finalStage: StageSpec, stagesById: Map<number, StageSpec>): StageSpec[] {
  const reachable = new Set<number>();
  const stack = [finalStage.stageId];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (reachable.has(id)) continue;
    reachable.add(id);
    stack.push(...stagesById.get(id)!.parentStageIds);
  }
  const unmetParents = new Map<number, number>();
  for (const id of reachable) unmetParents.set(id, new Set(stagesById.get(id)!.parentStageIds).size);
  const order: StageSpec[] = [];
  const done = new Set<number>();
  while (order.length < reachable.size) {
    let next: number | undefined;
    for (const [id, unmet] of unmetParents) {
      if (unmet === 0 && !done.has(id) && (next === undefined || id < next)) next = id;
    }
    if (next === undefined) {
      throw new InvalidJobSpecError(
        `job ${job.jobId}: stages ${cycleMembers(reachable, done, stagesById).join(', ')} depend on each other in a cycle.`,
      );
    }
    done.add(next);
    order.push(stagesById.get(next)!);
    for (const id of reachable) {
      if (!done.has(id) && stagesById.get(id)!.parentStageIds.includes(next)) unmetParents.set(id, unmetParents.get(id)! - 1);
    }
  }
  return order;
}

/** The unordered stages minus those merely downstream of a cycle (peeled off as sinks), ascending. */
function cycleMembers(reachable: Set<number>, done: Set<number>, stagesById: Map<number, StageSpec>): number[] {
  const stuck = new Set([...reachable].filter((id) => !done.has(id)));
  for (let peeled = true; peeled; ) {
    peeled = false;
    for (const id of stuck) {
      const isParentOfStuck = [...stuck].some((other) => stagesById.get(other)!.parentStageIds.includes(id));
      if (!isParentOfStuck) {
        stuck.delete(id);
        peeled = true;
      }
    }
  }
  return [...stuck].sort((a, b) => a - b);
}
