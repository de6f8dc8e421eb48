// The standalone master's page, rendered on the server as one plain HTML document (no script, no
// build step): the executors with their cores, memory and state, the running and the finished
// applications, each with a link to its driver's web UI. Every value that came from a peer (ids,
// names, hosts, URLs) is escaped: a registration must not inject markup into an operator's browser.

export type ExecutorState = 'alive' | 'lost' | 'recovering';
export type ApplicationState = 'running' | 'waiting' | 'finished' | 'forgotten';

/** What the master's page shows; the master builds it from its state at each request. */
export interface MasterView {
  /** `dataflow://host:port`, where executors and drivers reach the master. */
  url: string;
  startedAt: number;
  now: number;
  executors: Array<{
    executorId: string; host: string; pid: number; cores: number; coresUsed: number; memoryBytes: number;
    state: ExecutorState; since: number;
    /** Why it was lost. */
    reason?: string;
  }>;
  applications: Array<{
    appId: string; name: string; driver: string; uiUrl?: string; cores: number; maxCores: number;
    state: ApplicationState; startedAt: number; endedAt?: number;
  }>;
}

export function renderMasterPage(view: MasterView): string {
  const alive = view.executors.filter((e) => e.state === 'alive');
  const cores = alive.reduce((n, e) => n + e.cores, 0);
  const used = alive.reduce((n, e) => n + e.coresUsed, 0);
  const memory = alive.reduce((n, e) => n + e.memoryBytes, 0);
  const running = view.applications.filter((a) => a.state === 'running' || a.state === 'waiting');
  const finished = view.applications.filter((a) => a.state === 'finished' || a.state === 'forgotten');
  const executorRows = view.executors.map((e) => row([
    e.executorId, `${e.host}${e.pid > 0 ? ` (pid ${e.pid})` : ''}`, `${e.coresUsed} / ${e.cores}`, formatBytes(e.memoryBytes),
    `<span class="state ${e.state}">${e.state.toUpperCase()}</span>${e.reason ? ` <small>${escapeHtml(e.reason)}</small>` : ''}`,
    `${formatTime(e.since)}`,
  ], [true, true, true, true, false, true], `executor-${e.executorId}`));
  const appRows = (apps: MasterView['applications'], ended: boolean): string[] => apps.map((a) => row([
    a.appId, a.name,
    a.uiUrl ? `<a class="driver-ui" href="${escapeHtml(a.uiUrl)}">${escapeHtml(a.uiUrl)}</a>` : `<span class="no-ui">no UI</span>`,
    a.driver, ended ? '' : `${a.cores}${a.maxCores < Number.MAX_SAFE_INTEGER ? ` of ${a.maxCores}` : ''}`,
    `<span class="state ${a.state}">${a.state.toUpperCase()}</span>`,
    formatTime(a.startedAt), a.endedAt !== undefined ? formatDuration(a.endedAt - a.startedAt) : formatDuration(view.now - a.startedAt),
  ], [true, true, false, true, true, false, true, true], `app-${a.appId}`));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dataflow master ${escapeHtml(view.url)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;min-width:60%}th,td{text-align:left;padding:.3em .8em;border-bottom:1px solid #ddd}th{background:#f4f4f4}
.state{font-weight:600}.alive,.running{color:#1a7f37}.lost,.forgotten{color:#c62828}.recovering,.waiting{color:#b26a00}.finished{color:#555}
small{color:#666}.summary li{margin:.15em 0}
</style></head>
<body>
<h1>dataflow master at ${escapeHtml(view.url)}</h1>
<ul class="summary">
<li>Alive executors: <b id="alive-executors">${alive.length}</b></li>
<li>Cores: <b id="cores">${cores} total, ${used} used</b></li>
<li>Memory: <b>${formatBytes(memory)}</b></li>
<li>Applications: <b>${running.length} running, ${finished.length} finished</b></li>
<li>Up since ${formatTime(view.startedAt)} · <a href="metrics">metrics</a> · <a href="json">JSON</a></li>
</ul>
<h2>Executors</h2>
${table('executors', ['Executor', 'Host', 'Cores (used / total)', 'Memory', 'State', 'Since'], executorRows)}
<h2>Running applications</h2>
${table('running-applications', ['Application', 'Name', 'Driver UI', 'Driver', 'Cores', 'State', 'Submitted', 'Duration'], appRows(running, false))}
<h2>Finished applications</h2>
${table('finished-applications', ['Application', 'Name', 'Driver UI', 'Driver', 'Cores', 'State', 'Submitted', 'Duration'], appRows(finished, true))}
</body></html>
`;
}

/** `cells` are text (escaped) or, where `escape[i]` is false, markup built here from escaped parts. */
function row(cells: string[], escape: boolean[], id: string): string {
  return `<tr id="${escapeHtml(id)}">${cells.map((c, i) => `<td>${escape[i] ? escapeHtml(c) : c}</td>`).join('')}</tr>`;
}

function table(id: string, headers: string[], rows: string[]): string {
  const body = rows.length > 0 ? rows.join('\n') : `<tr><td colspan="${headers.length}"><small>none</small></td></tr>`;
  return `<table id="${id}"><thead><tr>${headers.map((h) => `<th>${h}</th>`).join('')}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** @example formatBytes(3 * 2 ** 30) // '3.0 GiB' */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

const formatTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
