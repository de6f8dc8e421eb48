// A small line chart in SVG: one series of (x, y) points, a line through them and a dot per point
// with its value on hover, axes with round ticks. Drawn by hand: a few dozen points need no library.

import { fmtValue, s } from './dom.js';

const W = 520;
const H = 240;
const M = { left: 78, right: 16, top: 16, bottom: 40 };

function ticks(lo, hi, count) {
  if (hi === lo) { hi = lo + (lo === 0 ? 1 : Math.abs(lo) * 0.1); lo -= (hi - lo); }
  const raw = (hi - lo) / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((st) => st >= raw) ?? 10 * p;
  const first = Math.floor(lo / step) * step;
  const out = [];
  for (let v = first; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  if (out[out.length - 1] < hi) out.push(Number((out[out.length - 1] + step).toPrecision(12)));
  return out;
}

/** points: [{ x, y }] in x order; format: y value → text; unit: ticks fall on round multiples of it (1024 for bytes). */
export function lineChart({ points, xLabel, yLabel, format = fmtValue, unit = 1, testid }) {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const xt = ticks(Math.min(...xs), Math.max(...xs), Math.min(8, Math.max(1, points.length - 1)));
  let scale = 1;
  while (unit > 1 && Math.max(...ys) / (scale * unit) >= 1) scale *= unit;
  const yt = ticks(Math.min(0, ...ys) / scale, Math.max(...ys) / scale, 5).map((v) => v * scale);
  const [x0, x1, y0, y1] = [xt[0], xt[xt.length - 1], yt[0], yt[yt.length - 1]];
  const px = (x) => M.left + ((x - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const py = (y) => H - M.bottom - ((y - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom);
  return s('svg', { class: 'chart', 'data-testid': testid, width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${yLabel} by ${xLabel}, ${points.length} points` },
    yt.map((v) => [s('line', { x1: M.left, x2: W - M.right, y1: py(v), y2: py(v), class: 'grid' }),
      s('text', { x: M.left - 6, y: py(v) + 4, class: 'tick', 'text-anchor': 'end' }, format(v))]),
    xt.map((v) => s('text', { x: px(v), y: H - M.bottom + 16, class: 'tick', 'text-anchor': 'middle' }, fmtValue(v))),
    s('line', { x1: M.left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom, class: 'axis' }),
    s('line', { x1: M.left, x2: M.left, y1: M.top, y2: H - M.bottom, class: 'axis' }),
    s('text', { x: (M.left + W - M.right) / 2, y: H - 6, class: 'axis-label', 'text-anchor': 'middle' }, xLabel),
    s('text', { x: 12, y: (M.top + H - M.bottom) / 2, class: 'axis-label', 'text-anchor': 'middle', transform: `rotate(-90 12 ${(M.top + H - M.bottom) / 2})` }, yLabel),
    s('polyline', { points: points.map((p) => `${px(p.x)},${py(p.y)}`).join(' '), class: 'line' }),
    points.map((p) => s('circle', { cx: px(p.x), cy: py(p.y), r: 4, class: 'point', 'data-testid': 'point', 'data-x': p.x, 'data-y': p.y },
      s('title', {}, `${xLabel} ${fmtValue(p.x)}: ${yLabel} ${format(p.y)}`))));
}
