// A job: its DAG as a picture and its stages with task counts, time and bytes moved.

import { NotFound, api, link } from '../api.js';
import { badge, fmtBytes, fmtDuration, fmtTime, h, progress, table } from '../dom.js';
import { dagSvg } from '../dag.js';

export async function jobPage(ctx) {
  const { appId, id } = ctx.route;
  const [app, job] = await Promise.all([ctx.app(), api.job(appId, id)]);
  // Each stage's latest attempt for its time and bytes; a stage not yet submitted has none.
  const details = new Map(await Promise.all(job.stages.map(async (st) => {
    if (st.status === 'pending') return [st.stageId, undefined];
    try { return [st.stageId, await api.stage(appId, st.stageId)]; } catch (e) { if (e instanceof NotFound) return [st.stageId, undefined]; throw e; }
  })));
  const stages = [...job.stages].sort((a, b) => b.stageId - a.stageId);
  return {
    title: `Job ${job.jobId}`,
    live: app.status === 'running',
    body: [
      h('h1', {}, `Job ${job.jobId} `, badge(job.status, 'job-status')),
      h('p', { class: 'description' }, job.description),
      job.message ? h('p', { class: 'error', 'data-testid': 'job-message' }, job.message) : null,
      h('dl', { class: 'facts' },
        h('dt', {}, 'Submitted'), h('dd', {}, fmtTime(job.startTime)),
        h('dt', {}, 'Duration'), h('dd', {}, fmtDuration((job.endTime ?? Date.now()) - job.startTime)),
        h('dt', {}, 'Tasks'), h('dd', {}, progress(job.completedTasks, job.numTasks, job.failedTasks, 'job-tasks'))),
      h('h2', {}, 'DAG'),
      h('div', { class: 'scroll' }, dagSvg(appId, job)),
      h('h2', {}, 'Stages'),
      table([
        { title: 'Stage', cell: (st) => h('a', { href: link.stage(appId, st.stageId), 'data-testid': 'stage-link' }, String(st.stageId)) },
        { title: 'Name', cell: (st) => st.name },
        { title: 'Status', cell: (st) => badge(st.skipped ? 'skipped' : st.status, 'stage-status') },
        { title: 'Tasks', cell: (st) => progress(st.completedTasks, st.numTasks, details.get(st.stageId)?.failedTasks ?? 0, 'stage-tasks') },
        { title: 'Duration', num: true, cell: (st) => { const d = details.get(st.stageId); return d?.submitTime ? fmtDuration((d.completionTime ?? Date.now()) - d.submitTime) : '–'; } },
        { title: 'Input', num: true, cell: (st) => bytes(details.get(st.stageId)?.io.inputBytes) },
        { title: 'Shuffle read', num: true, cell: (st) => bytes(details.get(st.stageId)?.io.shuffleReadBytes) },
        { title: 'Shuffle write', num: true, cell: (st) => bytes(details.get(st.stageId)?.io.shuffleWriteBytes) },
        { title: 'Spill', num: true, cell: (st) => bytes(details.get(st.stageId)?.io.spillBytes) },
      ], stages, { testid: 'stages', rowAttrs: (st) => ({ 'data-testid': 'stage-row', 'data-stage-id': st.stageId, 'data-status': st.skipped ? 'skipped' : st.status }) }),
      h('details', { class: 'plan' }, h('summary', {}, 'Plan'), h('pre', { 'data-testid': 'plan' }, job.plan)),
    ],
  };
}

function bytes(n) {
  return n ? fmtBytes(n) : '–';
}
