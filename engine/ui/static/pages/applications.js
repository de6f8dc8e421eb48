// The first page: every application this server knows (the running one live, or a folder of logs).

import { api, link } from '../api.js';
import { badge, fmtDuration, fmtTime, h, table } from '../dom.js';

export async function applicationsPage() {
  const apps = await api.applications();
  apps.sort((a, b) => b.startTime - a.startTime);
  return {
    title: 'Applications',
    live: apps.some((a) => a.status === 'running'),
    body: [
      h('h1', {}, 'Applications'),
      table([
        { title: 'Application', cell: (a) => h('a', { href: link.app(a.appId) }, a.appId) },
        { title: 'Name', cell: (a) => a.appName },
        { title: 'Master', cell: (a) => a.master },
        { title: 'Status', cell: (a) => badge(a.status, 'app-status') },
        { title: 'Started', cell: (a) => fmtTime(a.startTime) },
        { title: 'Duration', num: true, cell: (a) => (a.endTime ? fmtDuration(a.endTime - a.startTime) : '–') },
      ], apps, { testid: 'applications', rowAttrs: (a) => ({ 'data-testid': 'app-row', 'data-app-id': a.appId }), empty: 'No applications: no event logs were found here.' }),
    ],
  };
}
