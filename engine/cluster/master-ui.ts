// The master's HTTP side (`dataflow master --ui-port`, default 8080 as Spark's): its page at /,
// the same view as JSON at /json, and Prometheus metrics at /metrics. Loopback by default; bound
// elsewhere, every request needs the UI token derived from the cluster secret (metrics/ui-token.ts),
// which the master logs so that its operator can open the page.

import type { HttpEndpoint, HttpHandler } from '../metrics/index.ts';
import { isLoopbackHost, metricsHandler, serveHttp, uiToken } from '../metrics/index.ts';
import { renderMasterPage } from '../ui/master-page.ts';
import type { MasterView } from '../ui/master-page.ts';
import type { MasterBook } from './master-book.ts';
import { masterMetrics } from './master-metrics.ts';
import type { MasterState } from './master-state.ts';

export interface MasterUiOptions {
  host: string;
  port: number;
  tries?: number;
  secret: string;
  view: () => MasterView;
  book: MasterBook;
  state: MasterState;
  log: (line: string) => void;
}

export async function startMasterUi(options: MasterUiOptions): Promise<HttpEndpoint> {
  const token = uiToken(options.secret);
  /** A page rendered at each request. */
  const page = (type: string, render: () => string): HttpHandler => (req, res) => {
    const body = render();
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const endpoint = await serveHttp({
    host: options.host, port: options.port, tries: options.tries, option: '--ui-port', token,
    routes: {
      '/': page('text/html; charset=utf-8', () => renderMasterPage(options.view())),
      '/json': page('application/json', () => `${JSON.stringify(options.view(), null, 1)}\n`),
      '/metrics': metricsHandler(masterMetrics(options.book, options.state)),
    },
  });
  if (endpoint.moved) options.log(endpoint.moved);
  if (isLoopbackHost(options.host)) {
    options.log(`master UI at ${endpoint.url} (metrics at ${endpoint.url}/metrics)`);
  } else {
    options.log(`master UI at ${endpoint.url} (metrics at ${endpoint.url}/metrics); bound beyond loopback, so requests need the UI token ` +
      `derived from the cluster secret: open ${endpoint.url}/?token=${token} or send "Authorization: Bearer ${token}" (plain HTTP: use it on trusted networks)`);
  }
  return endpoint;
}
