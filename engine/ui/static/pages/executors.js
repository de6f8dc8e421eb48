// The application's executors: cores, memory, tasks, failures, and for a lost one why it was lost.

import { badge, fmtBytes, fmtTime, h, table } from '../dom.js';

export async function executorsPage(ctx) {
  const app = await ctx.app();
  const executors = [...app.executors].sort((a, b) => a.executorId.localeCompare(b.executorId, 'en', { numeric: true }));
  return {
    title: 'Executors',
    live: app.status === 'running',
    body: [
      h('h1', {}, 'Executors'),
      table([
        { title: 'Executor', cell: (e) => e.executorId },
        { title: 'Address', cell: (e) => `${e.host}:${e.port}` },
        { title: 'State', cell: (e) => badge(e.state, 'executor-state') },
        { title: 'Cores', num: true, cell: (e) => String(e.cores) },
        { title: 'Memory', num: true, cell: (e) => fmtBytes(e.memoryBytes) },
        { title: 'Active tasks', num: true, cell: (e) => String(e.activeTasks) },
        { title: 'Completed', num: true, cell: (e) => String(e.completedTasks) },
        { title: 'Failed', num: true, cell: (e) => String(e.failedTasks) },
        { title: 'Added', cell: (e) => fmtTime(e.addedTime) },
        { title: 'Lost', cell: (e) => (e.removedTime ? fmtTime(e.removedTime) : '') },
        { title: 'Loss reason', testid: 'executor-loss-reason', cell: (e) => e.lossReason ?? '' },
      ], executors, { testid: 'executors', rowAttrs: (e) => ({ 'data-testid': 'executor-row', 'data-executor-id': e.executorId, 'data-state': e.state }), empty: 'No executor has registered yet.' }),
    ],
  };
}
