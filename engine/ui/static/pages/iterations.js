// A library job's per-iteration curves (ALS iterations, SVD restarts) from the application's
// events: one chart per numeric field, one point per reported iteration, and the numbers as a table.

import { fmtBytes, fmtDuration, fmtValue, h, table } from '../dom.js';
import { lineChart } from '../line-chart.js';

const TITLES = { als: 'ALS', svd: 'SVD' };
/** The field that counts iterations, in the order tried; else the event's position. */
const X_FIELDS = ['iteration', 'restart', 'step'];

/** Loss and error first, then time, then the rest in the order the job reported them. */
function rank(key) {
  if (/loss|rmse|error|residual/i.test(key)) return 0;
  if (/seconds|ms$/i.test(key)) return 1;
  return 2;
}

function formatFor(key) {
  if (/bytes/i.test(key)) return fmtBytes;
  if (/^seconds$|Seconds$/.test(key)) return (v) => fmtDuration(v * 1000);
  return fmtValue;
}

function label(key) {
  const words = key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/rmse/i, 'RMSE').toLowerCase().replace('rmse', 'RMSE');
  return /^seconds$/.test(key) ? 'seconds per iteration' : words;
}

export async function iterationsPage(ctx, source) {
  const app = await ctx.app();
  const events = app.appEvents.filter((e) => e.source === source);
  const kinds = [...new Set(events.map((e) => e.kind))];
  const sections = kinds.map((kind) => {
    const rows = events.filter((e) => e.kind === kind);
    const xKey = X_FIELDS.find((k) => rows.every((e) => typeof e.data[k] === 'number'));
    const x = (e, i) => (xKey ? e.data[xKey] : i + 1);
    const numeric = [...new Set(rows.flatMap((e) => Object.keys(e.data)))].filter((k) => k !== xKey && rows.some((e) => typeof e.data[k] === 'number'));
    // a field that never changes (the rank, a tolerance) is a setting: said once, not plotted
    const varies = (k) => rows.length < 2 || new Set(rows.map((e) => e.data[k]).filter((v) => typeof v === 'number')).size > 1;
    const keys = numeric.filter(varies).sort((a, b) => rank(a) - rank(b));
    const settings = numeric.filter((k) => !varies(k)).map((k) => `${label(k)} ${formatFor(k)(rows.find((e) => typeof e.data[k] === 'number').data[k])}`);
    const xLabel = xKey ?? kind;
    return h('section', { class: 'iterations', 'data-testid': 'iterations', 'data-kind': kind },
      h('h2', {}, `${rows.length} ${kind}${rows.length === 1 ? '' : 's'}`),
      settings.length > 0 ? h('p', { class: 'muted', 'data-testid': 'iteration-settings' }, settings.join(' · ')) : null,
      h('div', { class: 'charts' }, keys.map((key) => {
        const points = rows.map((e, i) => ({ x: x(e, i), y: e.data[key] })).filter((p) => typeof p.y === 'number' && Number.isFinite(p.y));
        return h('figure', { class: 'chart-box', 'data-testid': 'iteration-chart', 'data-field': key },
          h('figcaption', {}, `${label(key)} by ${xLabel}`),
          lineChart({ points, xLabel, yLabel: label(key), format: formatFor(key), unit: /bytes/i.test(key) ? 1024 : 1, testid: `chart-${key}` }));
      })),
      table([{ title: xLabel, num: true, cell: (e) => fmtValue(e.x) }, ...[...keys, ...numeric.filter((k) => !keys.includes(k))].map((key) => ({ title: label(key), num: true, cell: (e) => (typeof e.data[key] === 'number' ? formatFor(key)(e.data[key]) : '–') }))],
        rows.map((e, i) => ({ ...e, x: x(e, i) })), { testid: 'iteration-table', rowAttrs: () => ({ 'data-testid': 'iteration-row' }) }));
  });
  return {
    title: TITLES[source] ?? source,
    live: app.status === 'running',
    body: [
      h('h1', {}, `${TITLES[source] ?? source} per iteration`),
      sections.length > 0 ? sections : h('p', { class: 'muted', 'data-testid': 'iterations-empty' }, `This application has reported no ${TITLES[source] ?? source} iterations${app.status === 'running' ? ' yet' : ''}.`),
    ],
  };
}
