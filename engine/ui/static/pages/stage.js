// A stage: its summary, min / median / max of task time and bytes (skew shows as a max far above
// the median), the timeline of its tasks per executor, and every task.

import { api, link } from '../api.js';
import { badge, fmtBytes, fmtCount, fmtDuration, fmtTime, h, progress, table } from '../dom.js';
import { timelineSvg } from '../timeline.js';

const METRICS = [
  ['Task duration', 'durationMs', fmtDuration],
  ['Input', 'inputBytes', fmtBytes],
  ['Shuffle read', 'shuffleReadBytes', fmtBytes],
  ['Shuffle write', 'shuffleWriteBytes', fmtBytes],
  ['Spill', 'spillBytes', fmtBytes],
];

export async function stagePage(ctx) {
  const { appId, id, attempt } = ctx.route;
  const [app, stage] = await Promise.all([ctx.app(), api.stage(appId, id, attempt)]);
  const now = app.status === 'running' ? Date.now() : (app.endTime ?? Date.now());
  const io = stage.io;
  return {
    title: `Stage ${stage.stageId}`,
    live: app.status === 'running',
    body: [
      h('h1', {}, `Stage ${stage.stageId}`, stage.attempt > 0 ? ` (attempt ${stage.attempt})` : '', ' ', badge(stage.status, 'stage-status')),
      h('p', { class: 'description' }, stage.name, ' · ', h('a', { href: link.job(appId, stage.jobId) }, `job ${stage.jobId}`)),
      stage.message ? h('p', { class: 'error', 'data-testid': 'stage-message' }, stage.message) : null,
      h('dl', { class: 'facts', 'data-testid': 'stage-summary' },
        h('dt', {}, 'Tasks'), h('dd', {}, progress(stage.completedTasks, stage.numTasks, stage.failedTasks, 'stage-tasks')),
        h('dt', {}, 'Submitted'), h('dd', {}, fmtTime(stage.submitTime)),
        h('dt', {}, 'Duration'), h('dd', {}, stage.submitTime ? fmtDuration((stage.completionTime ?? now) - stage.submitTime) : '–'),
        h('dt', {}, 'Input'), h('dd', {}, `${fmtBytes(io.inputBytes)} · ${fmtCount(io.inputRecords)} records`),
        h('dt', {}, 'Shuffle read'), h('dd', {}, `${fmtBytes(io.shuffleReadBytes)} · ${fmtCount(io.shuffleReadRecords)} records`),
        h('dt', {}, 'Shuffle write'), h('dd', {}, `${fmtBytes(io.shuffleWriteBytes)} · ${fmtCount(io.shuffleWriteRecords)} records`),
        h('dt', {}, 'Output'), h('dd', {}, `${fmtCount(io.outputRecords)} records`),
        h('dt', {}, 'Spill'), h('dd', {}, fmtBytes(io.spillBytes)),
        h('dt', {}, 'Peak task memory'), h('dd', {}, fmtBytes(io.peakMemoryBytes))),
      h('h2', {}, 'Distribution over successful tasks'),
      h('table', { class: 'distribution', 'data-testid': 'distributions' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Metric'), h('th', { class: 'num' }, 'Min'), h('th', { class: 'num' }, 'Median'), h('th', { class: 'num' }, 'Max'), h('th', {}, 'Max / median'))),
        h('tbody', {}, METRICS.map(([title, key, fmt]) => {
          const d = stage.distributions[key];
          const ratio = d.median > 0 ? d.max / d.median : undefined;
          return h('tr', { 'data-testid': 'distribution-row', 'data-metric': key },
            h('td', {}, title), h('td', { class: 'num' }, fmt(d.min)), h('td', { class: 'num' }, fmt(d.median)), h('td', { class: 'num' }, fmt(d.max)),
            h('td', { class: ratio !== undefined && ratio >= 2 && 'skew' }, ratio === undefined ? '–' : `${ratio.toFixed(1)}×${ratio >= 2 ? ' skew' : ''}`));
        }))),
      h('h2', {}, 'Timeline'),
      stage.tasks.length > 0 ? h('div', { class: 'scroll' }, timelineSvg(stage, now)) : h('p', { class: 'muted' }, stage.tasksForgotten ? forgotten(stage) : 'No task has started yet.'),
      h('h2', {}, `Tasks (${stage.tasksForgotten ?? stage.tasks.length})`),
      table([
        { title: 'Task', num: true, cell: (t) => String(t.taskId) },
        { title: 'Partition', num: true, cell: (t) => String(t.partition) },
        { title: 'Attempt', num: true, cell: (t) => String(t.attempt) },
        { title: 'Executor', cell: (t) => t.executorId },
        { title: 'Status', cell: (t) => badge(t.status, 'task-status') },
        { title: 'Duration', num: true, cell: (t) => fmtDuration(t.durationMs ?? now - t.startTime) },
        { title: 'Input', num: true, cell: (t) => fmtBytes(t.io?.inputBytes ?? 0) },
        { title: 'Shuffle read', num: true, cell: (t) => fmtBytes(t.io?.shuffleReadBytes ?? 0) },
        { title: 'Shuffle write', num: true, cell: (t) => fmtBytes(t.io?.shuffleWriteBytes ?? 0) },
        { title: 'Spill', num: true, cell: (t) => fmtBytes(t.io?.spillBytes ?? 0) },
        { title: 'Records out', num: true, cell: (t) => fmtCount(t.io?.outputRecords ?? 0) },
        { title: 'Failure', cell: (t) => t.failure ?? '' },
      ], stage.tasks, { testid: 'tasks', rowAttrs: (t) => ({ 'data-testid': 'task-row', 'data-task-id': t.taskId, 'data-status': t.status }), empty: stage.tasksForgotten ? forgotten(stage) : 'No task has started yet.' }),
    ],
  };
}

/** What the page says where a stage's forgotten tasks were (their distributions above are kept). */
function forgotten(stage) {
  return `This stage's ${fmtCount(stage.tasksForgotten)} tasks are no longer kept one by one (the UI keeps an application's latest tasks; the distributions above are theirs).`;
}
