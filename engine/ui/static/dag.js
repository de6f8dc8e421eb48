// A job's DAG as an SVG picture: stages as boxes (name, tasks done / total, status colour), each
// shuffle an arrow from the stage that writes it to the stage that reads it. Drawn by hand: a job
// has a handful of stages, so a layered layout (column = longest path from a source stage) is enough.

import { link } from './api.js';
import { s } from './dom.js';

const BOX_W = 220;
const BOX_H = 70;
const GAP_X = 80;
const GAP_Y = 24;
const PAD = 16;

/** Column of each stage: 0 for stages that read no shuffle, else one past its deepest parent. */
function columns(stages) {
  const byId = new Map(stages.map((st) => [st.stageId, st]));
  const depth = new Map();
  const visit = (id, seen) => {
    if (depth.has(id)) return depth.get(id);
    if (seen.has(id)) return 0; // a cycle cannot come from the planner; never loop on one
    seen.add(id);
    const parents = (byId.get(id)?.parentStageIds ?? []).filter((p) => byId.has(p));
    const d = parents.length === 0 ? 0 : 1 + Math.max(...parents.map((p) => visit(p, seen)));
    depth.set(id, d);
    return d;
  };
  for (const st of stages) visit(st.stageId, new Set());
  return depth;
}

function clip(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The SVG element for `job` (a JobStatus) of application `appId`. */
export function dagSvg(appId, job) {
  const stages = job.stages;
  const depth = columns(stages);
  const cols = [];
  for (const st of [...stages].sort((a, b) => a.stageId - b.stageId)) (cols[depth.get(st.stageId)] ??= []).push(st);
  const pos = new Map();
  cols.forEach((col, c) => col.forEach((st, r) => pos.set(st.stageId, { x: PAD + c * (BOX_W + GAP_X), y: PAD + r * (BOX_H + GAP_Y) })));
  const width = PAD * 2 + cols.length * BOX_W + Math.max(0, cols.length - 1) * GAP_X;
  const height = PAD * 2 + Math.max(1, ...cols.map((c) => c.length)) * (BOX_H + GAP_Y) - GAP_Y;

  const edges = [];
  for (const st of stages) {
    for (const parentId of st.parentStageIds) {
      const from = pos.get(parentId);
      const to = pos.get(st.stageId);
      if (!from || !to) continue;
      const x1 = from.x + BOX_W, y1 = from.y + BOX_H / 2, x2 = to.x - 4, y2 = to.y + BOX_H / 2;
      const mx = (x1 + x2) / 2;
      const parent = stages.find((p) => p.stageId === parentId);
      edges.push(s('g', { 'data-testid': 'dag-edge', 'data-from': parentId, 'data-to': st.stageId },
        s('path', { d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`, class: 'edge', 'marker-end': 'url(#arrow)' }),
        parent?.shuffleId !== undefined ? s('text', { x: mx, y: (y1 + y2) / 2 - 6, class: 'edge-label', 'text-anchor': 'middle' }, `shuffle ${parent.shuffleId}`) : null,
        s('title', {}, `stage ${parentId} → stage ${st.stageId}${parent?.shuffleId !== undefined ? ` through shuffle ${parent.shuffleId}` : ''}`)));
    }
  }

  const boxes = stages.map((st) => {
    const { x, y } = pos.get(st.stageId);
    const status = st.skipped ? 'skipped' : st.status;
    const pct = st.numTasks > 0 ? Math.min(1, st.completedTasks / st.numTasks) : 0;
    return s('a', { href: link.stage(appId, st.stageId) },
      s('g', { class: ['stage', `st-${status}`], 'data-testid': 'dag-stage', 'data-stage-id': st.stageId, 'data-status': status, transform: `translate(${x},${y})` },
        s('title', {}, `stage ${st.stageId}: ${st.name}\n${st.completedTasks} of ${st.numTasks} tasks done, ${status}`),
        s('rect', { width: BOX_W, height: BOX_H, rx: 6, class: 'box' }),
        s('rect', { x: 0, y: BOX_H - 6, width: BOX_W * pct, height: 6, class: 'done' }),
        s('g', { 'clip-path': 'url(#box-clip)' }, // a long name is cut at the box's edge, never drawn over the arrow
          s('text', { x: 10, y: 20, class: 'title' }, `Stage ${st.stageId}`, s('tspan', { class: 'status-word', dx: 8 }, status)),
          s('text', { x: 10, y: 38, class: 'name' }, clip(st.name, 34)),
          s('text', { x: 10, y: 55, class: 'tasks', 'data-testid': 'dag-stage-tasks' }, `${st.completedTasks} / ${st.numTasks} tasks`))));
  });

  return s('svg', { class: 'dag', 'data-testid': 'dag', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `DAG of job ${job.jobId}: ${stages.length} stages` },
    s('defs', {}, s('clipPath', { id: 'box-clip' }, s('rect', { x: 0, y: 0, width: BOX_W - 6, height: BOX_H })), s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' }))),
    edges, boxes);
}
