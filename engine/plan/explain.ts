// explain(): the stage DAG of a plan as text, one block per stage, parents listed first.

import type { PlanNode, ShuffleDependency } from './nodes.ts';
import { narrowParents } from './nodes.ts';
import type { StagePlan } from './stages.ts';

/**
 * @example
 *   == 2 stages ==
 *   Stage 0: shuffle map → shuffle 0, hash(itemId) into 4, map-side partialAggregate; 9 tasks
 *     narrow#2 filter at examples/stats.ts:12:5
 *     source#1 parquet, 9 partitions
 *   Stage 1: result; 4 tasks; reads stage 0
 *     shuffled#3 mergeAggregate by [itemId] ← shuffle 0
 */
export function explainStages(plan: StagePlan): string {
  const lines = [`== ${plan.stages.length} stage${plan.stages.length === 1 ? '' : 's'} ==`];
  for (const stage of plan.stages) {
    const reads = stage.parents.length ? `; reads stage ${stage.parents.map((s) => s.stageId).join(', ')}` : '';
    // A pipeline over a shuffle not cut yet: its bucket count is only the most it can have.
    const tasks = `${readsUncut(stage.root) ? 'up to ' : ''}${stage.numPartitions} tasks`;
    const head = stage.shuffleDep
      ? `shuffle map → ${describeDep(stage.shuffleDep)}; ${tasks}${reads}`
      : `result; ${tasks}${reads}`;
    lines.push(`Stage ${stage.stageId}: ${head}`);
    for (const line of describePipeline(stage.root)) lines.push(`  ${line}`);
  }
  return lines.join('\n');
}

function readsUncut(root: PlanNode): boolean {
  if (root.kind === 'shuffled') return root.coalesce !== undefined && root.ranges === undefined;
  return narrowParents(root).some(readsUncut);
}

function describeDep(dep: ShuffleDependency): string {
  const p = dep.partitioner;
  const how = p.kind === 'hash' ? `hash(${p.keys.join(', ')}) into ${p.numPartitions}`
    : p.kind === 'range' ? `range(${p.keys.join(', ')}) into ${p.numPartitions}` : 'single partition';
  return `shuffle ${dep.shuffleId}, ${how}${dep.combine ? `, map-side ${dep.combine.op}` : ''}`;
}

function describePipeline(root: PlanNode): string[] {
  const lines: string[] = [];
  const visit = (node: PlanNode, depth: number): void => {
    lines.push(`${'  '.repeat(depth)}${describeNode(node)}`);
    for (const parent of narrowParents(node)) visit(parent, depth + (node.kind === 'union' ? 1 : 0));
  };
  visit(root, 0);
  return lines;
}

function describeNode(node: PlanNode): string {
  const tag = `${node.kind}#${node.id}`;
  switch (node.kind) {
    case 'source': {
      const s = node.source;
      const what = s.kind === 'parquet' ? `parquet${s.columns ? ` [${s.columns.join(', ')}]` : ''}`
        : s.kind === 'range' ? `range(${s.start}, ${s.end}, ${s.step})`
          : s.kind === 'csv' ? `csv [${s.options.output.map((i) => s.options.fields[i]!.name).join(', ')}] from ${new Set(s.partitions.map((p) => p.file)).size} file(s)` : 'in-memory';
      return `${tag} ${what}, ${node.numPartitions} partitions`;
    }
    case 'narrow': {
      if (node.op.op === 'select') return `${tag} select [${node.op.columns.join(', ')}]`;
      if (node.op.op === 'broadcastJoin') return `${tag} ${node.op.how} join by [${node.op.keys.join(', ')}] with the broadcast ${node.op.side} side (broadcast ${node.op.table.$broadcast})`;
      const fn = node.op.fn;
      const at = fn.kind === 'export' ? ` (export ${fn.exportName})`
        : fn.kind === 'library' ? ` (${fn.module} ${fn.exportName})`
          : fn.origin ? ` at ${fn.origin.file}:${fn.origin.line}:${fn.origin.column}` : '';
      return `${tag} ${node.op.op}${at}`;
    }
    case 'union': return `${tag} union of ${node.parents.length}`;
    case 'cache': return `${tag} cache (cache id ${node.cacheId})`;
    case 'shuffled': {
      const r = node.reduce;
      const keys = 'keys' in r ? ` by [${r.keys.map((k) => (typeof k === 'string' ? k : `${k.column} ${k.ascending ? 'asc' : 'desc'}`)).join(', ')}]` : '';
      const sized = node.ranges ? `, ${node.ranges.length} partitions cut by size`
        : node.coalesce ? `, partitions cut by size (~${sizeText(node.coalesce.targetBytes)}) after the map side runs` : '';
      return `${tag} ${r.op}${keys} ← shuffle ${node.deps.map((d) => d.shuffleId).join(' + ')}${sized}`;
    }
  }
}

/** @example sizeText(67108864) // '64 MB'; sizeText(262144) // '256 KB' */
function sizeText(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(0)} MB` : `${Math.round(bytes / 1024)} KB`;
}
