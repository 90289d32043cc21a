import type { ServerMetrics } from '../metrics/metrics.js';
import type { HttpReply } from '../transport/types.js';

/** Liveness: 200 while the process runs. */
export const HEALTH_PATH = '/healthz';
/** Readiness: 200 when listening and not shutting down, else 503. */
export const READY_PATH = '/readyz';
/** Prometheus scrape endpoint. */
export const METRICS_PATH = '/metrics';

const TEXT = 'text/plain; charset=utf-8';

/** What the built-in routes read. */
export interface HttpRouteDeps {
  isReady(): boolean;
  readonly metrics: ServerMetrics;
  /** Serve `/metrics` at all. */
  readonly metricsEnabled: boolean;
}

/** Answers the built-in GET routes; `undefined` for any other path (404). */
export function answerHttp(deps: HttpRouteDeps, path: string): HttpReply | Promise<HttpReply> | undefined {
  if (path === HEALTH_PATH) return { status: 200, contentType: TEXT, body: 'ok' };
  if (path === READY_PATH) {
    return deps.isReady()
      ? { status: 200, contentType: TEXT, body: 'ready' }
      : { status: 503, contentType: TEXT, body: 'not ready' };
  }
  if (path === METRICS_PATH && deps.metricsEnabled) {
    return deps.metrics.scrape().then(({ contentType, body }) => ({ status: 200, contentType, body }));
  }
  return undefined;
}
