// The JSON API the pages render from (routes in engine/events/status.ts); a 404 becomes NotFound
// so the page can say what is missing instead of failing.

export class NotFound extends Error {}

async function get(path) {
  const res = await fetch(path, { cache: 'no-store', headers: { accept: 'application/json' } });
  let body;
  try { body = await res.json(); } catch { body = undefined; }
  if (res.status === 404) throw new NotFound(body?.error ?? `${path} was not found`);
  if (!res.ok) throw new Error(body?.error ?? `${path} answered ${res.status} ${res.statusText}`);
  return body;
}

const app = (appId) => `/api/applications/${encodeURIComponent(appId)}`;

export const api = {
  applications: () => get('/api/applications'),
  application: (appId) => get(app(appId)),
  job: (appId, jobId) => get(`${app(appId)}/jobs/${encodeURIComponent(jobId)}`),
  stage: (appId, stageId, attempt) => get(`${app(appId)}/stages/${encodeURIComponent(stageId)}${attempt === undefined ? '' : `?attempt=${encodeURIComponent(attempt)}`}`),
};

/** Page links, the inverse of router.js. */
export const link = {
  home: () => '/',
  app: (appId) => `/app/${encodeURIComponent(appId)}`,
  job: (appId, jobId) => `/app/${encodeURIComponent(appId)}/job/${jobId}`,
  stage: (appId, stageId, attempt) => `/app/${encodeURIComponent(appId)}/stage/${stageId}${attempt === undefined ? '' : `?attempt=${attempt}`}`,
  tab: (appId, tab) => `/app/${encodeURIComponent(appId)}/${tab}`,
};
