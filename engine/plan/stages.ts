// The stage planner: a pure function that cuts a plan at its shuffle dependencies.
// Each shuffle dependency becomes a shuffle-map stage whose tasks run the map-side pipeline and
// write shuffle files; the node an action runs on becomes the result stage.

import type { PlanNode, ShuffleDependency } from './nodes.ts';
import { narrowParents } from './nodes.ts';
import { InternalError } from '../errors.ts';

export interface Stage {
  stageId: number;
  /** Top of the pipeline this stage's tasks run (narrow ops down to sources or shuffle reads). */
  root: PlanNode;
  numPartitions: number;
  /** Set for shuffle-map stages: the dependency whose map side this stage computes. */
  shuffleDep?: ShuffleDependency;
  /** Stages whose shuffle outputs this stage reads. */
  parents: Stage[];
}

export interface StagePlan {
  /** Parents before children; the final stage is last. */
  stages: Stage[];
  finalStage: Stage;
}

export interface StageIds {
  /** Shuffle-map stages keep one id per shuffle for the whole session (they are reused across jobs). */
  forShuffle(shuffleId: number): number;
  /** A fresh id for a result stage. */
  next(): number;
}

/**
 * Cuts `finalNode`'s plan into stages.
 *
 * @example
 *   const { stages } = planStages(ds.node, ids);
 *   // readParquet → filter → aggregateByKey gives [map stage (filter, parquet), result stage (merge)]
 */
export function planStages(finalNode: PlanNode, ids: StageIds): StagePlan {
  const planner = stagePlanner(ids);
  const parents = dedupe(planner.shuffleDepsOf(finalNode).map(planner.mapStageFor)); // map stages take their ids first
  const finalStage: Stage = { stageId: ids.next(), root: finalNode, numPartitions: finalNode.numPartitions, parents };
  planner.ordered.push(finalStage);
  return { stages: planner.ordered, finalStage };
}

/**
 * The stages that write shuffle `dep` (a map-stage job): its map stage is the final stage.
 *
 * @example
 *   planMapStage(aggregateNode.deps[0], ids).finalStage.shuffleDep?.shuffleId; // the aggregate's shuffle
 */
export function planMapStage(dep: ShuffleDependency, ids: StageIds): StagePlan {
  const planner = stagePlanner(ids);
  const finalStage = planner.mapStageFor(dep);
  return { stages: planner.ordered, finalStage };
}

function stagePlanner(ids: StageIds): {
  ordered: Stage[];
  shuffleDepsOf: (root: PlanNode) => ShuffleDependency[];
  mapStageFor: (dep: ShuffleDependency) => Stage;
} {
  const byShuffle = new Map<number, Stage>();
  const ordered: Stage[] = [];

  const shuffleDepsOf = (root: PlanNode): ShuffleDependency[] => {
    const deps: ShuffleDependency[] = [];
    const seen = new Set<number>();
    const visit = (node: PlanNode): void => {
      if (seen.has(node.id)) return;
      seen.add(node.id);
      if (node.kind === 'shuffled') deps.push(...node.deps);
      for (const parent of narrowParents(node)) visit(parent);
    };
    visit(root);
    return deps;
  };

  const mapStageFor = (dep: ShuffleDependency): Stage => {
    const existing = byShuffle.get(dep.shuffleId);
    if (existing) return existing;
    if (!dep.parent) throw new InternalError('STRIPPED_PLAN', `shuffle ${dep.shuffleId} has no map-side plan: a plan stripped for an executor (stripUpstream) reached the stage planner`);
    const parents = shuffleDepsOf(dep.parent).map(mapStageFor);
    const stage: Stage = {
      stageId: ids.forShuffle(dep.shuffleId),
      root: dep.parent,
      numPartitions: dep.parent.numPartitions,
      shuffleDep: dep,
      parents: dedupe(parents),
    };
    byShuffle.set(dep.shuffleId, stage);
    ordered.push(stage);
    return stage;
  };

  return { ordered, shuffleDepsOf, mapStageFor };
}

function dedupe(stages: Stage[]): Stage[] {
  return [...new Map(stages.map((s) => [s.stageId, s])).values()];
}
