// An application: its status, its jobs with their task counts, and a warning when lines of its
// event log could not be read.

import { link } from '../api.js';
import { badge, fmtDuration, fmtTime, h, progress, table } from '../dom.js';

export async function applicationPage(ctx) {
  const app = await ctx.app();
  const jobs = [...app.jobs].sort((a, b) => b.jobId - a.jobId);
  const running = jobs.filter((j) => j.status === 'running').length;
  return {
    title: app.appName,
    live: app.status === 'running',
    body: [
      h('h1', {}, app.appName, ' ', badge(app.status, 'app-status')),
      app.skippedLogLines > 0 ? h('p', { class: 'warning', 'data-testid': 'skipped-lines' },
        `${app.skippedLogLines} corrupt event-log line${app.skippedLogLines === 1 ? '' : 's'} skipped`) : null,
      h('dl', { class: 'facts', 'data-testid': 'app-facts' },
        h('dt', {}, 'Application'), h('dd', {}, app.appId),
        h('dt', {}, 'Master'), h('dd', {}, app.master),
        h('dt', {}, 'Started'), h('dd', {}, fmtTime(app.startTime)),
        h('dt', {}, 'Duration'), h('dd', {}, fmtDuration((app.endTime ?? Date.now()) - app.startTime)),
        h('dt', {}, 'Jobs'), h('dd', {}, `${jobs.length} (${running} running)`),
        h('dt', {}, 'Executors'), h('dd', {}, `${app.executors.filter((e) => e.state === 'alive').length} alive, ${app.executors.filter((e) => e.state === 'lost').length} lost`)),
      h('h2', {}, 'Jobs'),
      table([
        { title: 'Job', cell: (j) => h('a', { href: link.job(app.appId, j.jobId), 'data-testid': 'job-link' }, String(j.jobId)) },
        { title: 'Description', cell: (j) => j.description },
        { title: 'Status', cell: (j) => badge(j.status, 'job-status') },
        { title: 'Stages', num: true, cell: (j) => String(j.stageIds.length) },
        { title: 'Tasks', cell: (j) => progress(j.completedTasks, j.numTasks, j.failedTasks, 'job-tasks') },
        { title: 'Submitted', cell: (j) => fmtTime(j.startTime) },
        { title: 'Duration', num: true, cell: (j) => fmtDuration((j.endTime ?? Date.now()) - j.startTime) },
      ], jobs, { testid: 'jobs', rowAttrs: (j) => ({ 'data-testid': 'job-row', 'data-job-id': j.jobId, 'data-status': j.status }) }),
    ],
  };
}
