// The pages' entry: finds the page for location.pathname, renders it from the JSON API, and while
// the application runs renders it again every second (the API is the same live and in history).

import { NotFound, api, link } from './api.js';
import { h } from './dom.js';
import { parseRoute } from './router.js';
import { applicationsPage } from './pages/applications.js';
import { applicationPage } from './pages/application.js';
import { jobPage } from './pages/job.js';
import { stagePage } from './pages/stage.js';
import { executorsPage } from './pages/executors.js';
import { storagePage } from './pages/storage.js';
import { iterationsPage } from './pages/iterations.js';
import { notFoundPage } from './pages/not-found.js';

const POLL_MS = 1000;
const RETRY_MS = 3000;

const PAGES = {
  applications: applicationsPage,
  application: applicationPage,
  job: jobPage,
  stage: stagePage,
  executors: executorsPage,
  storage: storagePage,
  als: (ctx) => iterationsPage(ctx, 'als'),
  svd: (ctx) => iterationsPage(ctx, 'svd'),
};

/** The application's tabs, shown on every page of it. */
function nav(route, app) {
  const tabs = [['Jobs', link.app(route.appId), ['application', 'job', 'stage']], ['Executors', link.tab(route.appId, 'executors'), ['executors']], ['Storage', link.tab(route.appId, 'storage'), ['storage']]];
  for (const source of ['als', 'svd']) {
    if (app.appEvents.some((e) => e.source === source) || route.page === source) tabs.push([source.toUpperCase(), link.tab(route.appId, source), [source]]);
  }
  return [
    h('a', { href: link.home(), 'data-testid': 'nav-applications' }, 'Applications'),
    h('span', { class: 'app-name' }, app.appName),
    ...tabs.map(([title, href, pages]) => h('a', { href, class: pages.includes(route.page) && 'active', 'data-testid': `nav-${title.toLowerCase()}` }, title)),
  ];
}

let renders = 0;

/**
 * Puts a render on the page, unless it is the same as what is there: a poll that changed nothing
 * leaves the elements (and the user's hover, selection and open details) alone.
 */
function show(main, nodes) {
  const next = document.createElement('main');
  next.append(...nodes);
  for (const d of main.querySelectorAll('details[open]')) next.querySelector(`details.${CSS.escape(d.className)}`)?.setAttribute('open', '');
  if (next.innerHTML === main.innerHTML) return;
  main.replaceChildren(...next.childNodes);
}

async function render() {
  const route = parseRoute(location);
  const main = document.getElementById('main');
  const live = document.getElementById('live');
  let again;
  try {
    let appPromise;
    const ctx = { route, app: () => (appPromise ??= api.application(route.appId)) };
    const view = route.page === 'notFound' ? notFoundPage(`There is no page ${route.path}.`) : await PAGES[route.page](ctx);
    document.title = view.title ? `${view.title} · dataflow` : 'dataflow';
    show(main, [view.body].flat(Infinity).filter((n) => n !== null && n !== undefined));
    document.getElementById('nav').replaceChildren(...(route.appId && appPromise && !view.notFound ? nav(route, await appPromise) : []));
    live.textContent = view.live ? 'live: updating every second' : '';
    main.dataset.status = view.notFound ? 'not-found' : 'ok';
    again = view.live ? POLL_MS : undefined;
  } catch (error) {
    if (error instanceof NotFound) {
      const view = notFoundPage(error.message);
      document.title = `${view.title} · dataflow`;
      main.replaceChildren(view.body);
      document.getElementById('nav').replaceChildren();
      main.dataset.status = 'not-found';
    } else {
      // Keep what was shown (a driver that just exited leaves its last state on screen) and say why it stopped.
      const note = h('p', { class: 'error', 'data-testid': 'error' }, `Could not update: ${error instanceof Error ? error.message : String(error)}`);
      main.querySelector('[data-testid=error]')?.remove();
      main.prepend(note);
      main.dataset.status = 'error';
      live.textContent = '';
      again = RETRY_MS;
    }
  }
  main.dataset.renders = String(++renders);
  if (again !== undefined) setTimeout(render, again);
}

render();
