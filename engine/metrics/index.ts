// The metrics part's face: the registry, the process metrics every process adds, and HTTP serving.

export { METRICS_CONTENT_TYPE, Metric, MetricsRegistry, Series } from './registry.ts';
export type { CollectSeries } from './registry.ts';
export { addProcessMetrics } from './process-metrics.ts';
export { metricsHandler, sendText, serveHttp } from './http.ts';
export type { HttpEndpoint, HttpHandler, ServeOptions } from './http.ts';
export { isLoopbackHost, requestHasToken, uiToken, TOKEN_COOKIE } from './ui-token.ts';
