// What the driver tells the event log about its plans and tasks, in the events' terms: a stage's
// short name from its pipeline, and a job's DAG as StageInfo[].

import type { StageInfo } from '../events/events.ts';
import { narrowParents, type PlanNode } from '../plan/nodes.ts';
import type { Stage, StagePlan } from '../plan/stages.ts';

/**
 * The verbs of a stage's pipeline, bottom up, e.g. "parquet → filter → shuffle 0" for a map stage.
 *
 * @example stageName(stage) // 'range → map → partialAggregate → shuffle 3'
 */
export function stageName(stage: Stage): string {
  const verbs: string[] = [];
  let node: PlanNode | undefined = stage.root;
  while (node) {
    verbs.push(verbOf(node));
    node = node.kind === 'shuffled' ? undefined : narrowParents(node)[0];
  }
  verbs.reverse();
  const dep = stage.shuffleDep;
  if (dep) verbs.push(`${dep.combine ? `${dep.combine.op} → ` : ''}shuffle ${dep.shuffleId}`);
  return verbs.join(' → ');
}

function verbOf(node: PlanNode): string {
  switch (node.kind) {
    case 'source': return node.source.kind === 'memory' ? 'in-memory' : node.source.kind;
    case 'narrow': return node.op.op === 'broadcastJoin' ? `broadcast ${node.op.how} join` : node.op.op;
    case 'union': return `union of ${node.parents.length}`;
    case 'cache': return 'cache';
    case 'shuffled': return `${node.reduce.op} ← shuffle ${node.deps.map((d) => d.shuffleId).join(' + ')}`;
  }
}

/** A job's stages as the UI draws them. */
export function stageInfos(plan: StagePlan): StageInfo[] {
  return plan.stages.map((stage) => {
    const info: StageInfo = { stageId: stage.stageId, name: stageName(stage), numTasks: stage.numPartitions, parentStageIds: stage.parents.map((p) => p.stageId) };
    if (stage.shuffleDep) info.shuffleId = stage.shuffleDep.shuffleId;
    return info;
  });
}
