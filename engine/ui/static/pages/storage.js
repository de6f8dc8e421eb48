// Datasets the application cached, with their partitions and sizes in memory and on disk.

import { fmtBytes, h, table } from '../dom.js';

export async function storagePage(ctx) {
  const app = await ctx.app();
  return {
    title: 'Storage',
    live: app.status === 'running',
    body: [
      h('h1', {}, 'Storage'),
      table([
        { title: 'Cache', num: true, cell: (c) => String(c.cacheId) },
        { title: 'Dataset', cell: (c) => c.name },
        { title: 'Cached partitions', num: true, cell: (c) => String(c.partitions) },
        { title: 'In memory', num: true, testid: 'cached-memory', cell: (c) => fmtBytes(c.memoryBytes) },
        { title: 'On disk', num: true, testid: 'cached-disk', cell: (c) => fmtBytes(c.diskBytes) },
      ], app.cached, { testid: 'storage', rowAttrs: (c) => ({ 'data-testid': 'cached-row', 'data-cache-id': c.cacheId }), empty: 'No dataset is cached.' }),
    ],
  };
}
