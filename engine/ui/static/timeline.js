// A stage's tasks on a time axis, one lane per executor (sub-rows where its cores ran tasks side by
// side), as SVG bars coloured by outcome: where the time went, and which executor had the slow task.

import { fmtDuration, s } from './dom.js';

const LABEL_W = 90;
const PLOT_W = 760;
const ROW_H = 16;
const LANE_GAP = 10;
const AXIS_H = 24;

/** Rows for overlapping intervals: each task goes in the first row free at its start. */
function pack(tasks, end) {
  const rows = [];
  for (const t of [...tasks].sort((a, b) => a.startTime - b.startTime)) {
    const stop = end(t);
    let r = rows.findIndex((last) => last <= t.startTime);
    if (r < 0) { r = rows.length; rows.push(0); }
    rows[r] = stop;
    t.row = r;
  }
  return Math.max(1, rows.length);
}

function niceStep(span, target) {
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((st) => st >= raw) ?? 10 * p;
}

/** The SVG for a StageStatus's tasks; `now` ends the bars of running tasks. */
export function timelineSvg(stage, now) {
  const tasks = stage.tasks.map((t) => ({ ...t }));
  const end = (t) => t.endTime ?? Math.max(now, t.startTime);
  const t0 = Math.min(...tasks.map((t) => t.startTime), stage.submitTime ?? Infinity);
  const t1 = Math.max(...tasks.map(end), t0 + 1);
  const x = (t) => LABEL_W + ((t - t0) / (t1 - t0)) * PLOT_W;
  const executors = [...new Set(tasks.map((t) => t.executorId))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  let y = AXIS_H;
  const lanes = executors.map((executorId) => {
    const mine = tasks.filter((t) => t.executorId === executorId);
    const rows = pack(mine, end);
    const top = y;
    y += rows * ROW_H + LANE_GAP;
    return s('g', { 'data-testid': 'timeline-lane', 'data-executor-id': executorId },
      s('rect', { x: 0, y: top - LANE_GAP / 2, width: LABEL_W + PLOT_W, height: rows * ROW_H + LANE_GAP, class: 'lane-bg' }),
      s('text', { x: 4, y: top + ROW_H - 4, class: 'lane-label' }, executorId),
      mine.map((t) => s('rect', {
        'data-testid': 'timeline-task', 'data-task-id': t.taskId, 'data-status': t.status,
        x: x(t.startTime), y: top + t.row * ROW_H + 1, width: Math.max(2, x(end(t)) - x(t.startTime)), height: ROW_H - 3, rx: 2, class: ['task', `st-${t.status}`],
      }, s('title', {}, `task ${t.taskId} (partition ${t.partition}, attempt ${t.attempt}) on ${t.executorId}: ${t.status}, ${fmtDuration(t.durationMs ?? end(t) - t.startTime)}${t.failure ? `\n${t.failure}` : ''}`))));
  });
  const height = y + 4;
  const step = niceStep(t1 - t0, 6);
  const ticks = [];
  for (let v = 0; v <= t1 - t0 + 1e-9; v += step) {
    ticks.push(s('line', { x1: x(t0 + v), x2: x(t0 + v), y1: AXIS_H - 6, y2: y - LANE_GAP / 2, class: 'grid' }),
      s('text', { x: x(t0 + v), y: AXIS_H - 10, class: 'tick', 'text-anchor': 'middle' }, fmtDuration(v)));
  }
  const width = LABEL_W + PLOT_W + 20;
  return s('svg', { class: 'timeline', 'data-testid': 'timeline', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `timeline of ${tasks.length} tasks on ${executors.length} executors` },
    ticks, lanes);
}
