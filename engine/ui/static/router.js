// Which page a path is: the page routes of engine/events/status.ts, parsed from location.

/** { page, appId?, id?, attempt? }; page 'notFound' for anything else. */
export function parseRoute(loc) {
  const parts = loc.pathname.split('/').filter(Boolean).map((p) => { try { return decodeURIComponent(p); } catch { return p; } });
  if (parts.length === 0) return { page: 'applications' };
  if (parts[0] !== 'app' || parts.length < 2) return { page: 'notFound', path: loc.pathname };
  const appId = parts[1];
  if (parts.length === 2) return { page: 'application', appId };
  if (parts.length === 3 && ['executors', 'storage', 'als', 'svd'].includes(parts[2])) return { page: parts[2], appId };
  if (parts.length === 4 && parts[2] === 'job') return { page: 'job', appId, id: parts[3] };
  if (parts.length === 4 && parts[2] === 'stage') {
    const attempt = new URLSearchParams(loc.search).get('attempt');
    return { page: 'stage', appId, id: parts[3], attempt: attempt ?? undefined };
  }
  return { page: 'notFound', path: loc.pathname };
}
