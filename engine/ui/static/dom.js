// Building the pages' elements from data without HTML strings (every text goes in as a text node,
// so names from an event log can never inject markup), and the formats numbers are shown in.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An HTML element: h('a', { href: '/', 'data-testid': 'x' }, 'text', child, [more]). */
export function h(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** An SVG element, the same way. */
export function s(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

function fill(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** A table: columns [{ title, cell(row) → node|text, num? }], rows, and the table's data-testid / each row's attributes. */
export function table(columns, rows, { testid, rowAttrs = () => ({}), empty = 'None yet.' } = {}) {
  if (rows.length === 0) return h('p', { class: 'muted', 'data-testid': testid && `${testid}-empty` }, empty);
  return h('table', { 'data-testid': testid },
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { class: c.num && 'num' }, c.title)))),
    h('tbody', {}, rows.map((r) => h('tr', rowAttrs(r), columns.map((c) => h('td', { class: c.num && 'num', 'data-testid': c.testid }, c.cell(r)))))));
}

/** A status word as a coloured badge (running, succeeded, failed, lost...). */
export function badge(status, testid) {
  return h('span', { class: ['badge', `st-${status}`], 'data-testid': testid }, status);
}

/** "3 / 4" tasks with a bar; failed ones said in red. */
export function progress(done, total, failed = 0, testid) {
  const pct = total > 0 ? Math.min(100, (100 * done) / total) : 0;
  return h('span', { class: 'progress', 'data-testid': testid },
    h('span', { class: 'bar' }, h('span', { class: 'fill', style: `width:${pct.toFixed(1)}%` })),
    h('span', { class: 'count' }, `${done} / ${total}`), failed > 0 ? h('span', { class: 'failed' }, ` (${failed} failed)`) : null);
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
export function fmtBytes(n) {
  if (!Number.isFinite(n)) return '–';
  let i = 0;
  while (Math.abs(n) >= 1024 && i < UNITS.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? n : n.toFixed(n < 10 ? 2 : 1)} ${UNITS[i]}`;
}

export function fmtDuration(ms) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function fmtTime(t) {
  return t ? new Date(t).toLocaleString(undefined, { hour12: false }) : '–';
}

export function fmtCount(n) {
  return Number.isFinite(n) ? n.toLocaleString('en-US') : '–';
}

/** A value of an app event's data as a short text. */
export function fmtValue(v) {
  if (typeof v === 'number') return Number.isInteger(v) ? fmtCount(v) : String(Number(v.toPrecision(4)));
  return v === null ? '–' : String(v);
}
