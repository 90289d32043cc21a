import type { Registry } from 'prom-client';
import type { HttpApiRoute, OperationKind, RequestDirection, RequestOutcome } from './metrics.js';
import { histogramCollector } from './prom-collectors.js';
import { HTTP_BUCKETS, PUBLISH_BUCKETS, REQUEST_BUCKETS, UPGRADE_BUCKETS } from './prom-labels.js';
import { LazyHistograms } from './tally.js';

/** The histograms' cells; a label set's cell is made on its first observation. */
export interface Histograms {
  readonly requests: LazyHistograms<`${RequestDirection}:${RequestOutcome}`>;
  readonly operations: LazyHistograms<OperationKind>;
  readonly upgrades: LazyHistograms<'accepted' | 'rejected'>;
  readonly httpDurations: LazyHistograms<HttpApiRoute>;
  readonly publishes: LazyHistograms<'all'>;
}

/** Creates the histograms' cells with their buckets (prom-labels.ts). */
export function createHistograms(): Histograms {
  return {
    requests: new LazyHistograms<`${RequestDirection}:${RequestOutcome}`>(REQUEST_BUCKETS, (key) => {
      const [direction = '', outcome = ''] = key.split(':');
      return { direction, outcome };
    }),
    operations: new LazyHistograms<OperationKind>(REQUEST_BUCKETS, (kind) => ({ kind })),
    upgrades: new LazyHistograms<'accepted' | 'rejected'>(UPGRADE_BUCKETS, (outcome) => ({ outcome })),
    httpDurations: new LazyHistograms<HttpApiRoute>(HTTP_BUCKETS, (route) => ({ route })),
    publishes: new LazyHistograms<'all'>(PUBLISH_BUCKETS, () => ({})),
  };
}

/** Registers a histogram for each of {@link Histograms}, in the order of the scrape. */
export function registerHistograms(registry: Registry, h: Histograms): void {
  histogramCollector(
    registry,
    'switchyard_request_duration_seconds',
    'Time from a request to its reply (or timeout or disconnect), by direction and outcome.',
    ['direction', 'outcome'],
    () => h.requests.cells(),
  );
  histogramCollector(
    registry,
    'switchyard_operation_duration_seconds',
    'Time from a join, acknowledged publish or presence read arriving to its reply, authorization hooks included.',
    ['kind'],
    () => h.operations.cells(),
  );
  histogramCollector(
    registry,
    'switchyard_publish_latency_seconds',
    'Time from a publish entering the server to its hand-off to the transport.',
    [],
    () => h.publishes.cells(),
  );
  histogramCollector(
    registry,
    'switchyard_upgrade_duration_seconds',
    'Time to decide an upgrade (token verification included), by outcome.',
    ['outcome'],
    () => h.upgrades.cells(),
  );
  histogramCollector(
    registry,
    'switchyard_http_request_duration_seconds',
    'Time to answer a backend HTTP API request once its body has arrived, by route.',
    ['route'],
    () => h.httpDurations.cells(),
  );
}
