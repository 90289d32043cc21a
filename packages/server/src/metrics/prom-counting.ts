import type { CloseClass } from '@switchyard/protocol';
import type { CloseReason, RequestDirection, ServerMetrics } from './metrics.js';
import type { Histograms } from './prom-histograms.js';
import { DELIVERY_KIND_OF } from './prom-labels.js';
import type { Tallies } from './prom-tallies.js';
import { cell } from './tally.js';

/**
 * The hot-path half of the Prometheus metrics: each method adds to a cell or a histogram, with no
 * label hashing or validation; the registry reads them when `/metrics` is scraped.
 */

/** Counts connections and the frames they carry. */
export function connectionCounts(
  t: Tallies,
): Pick<
  ServerMetrics,
  'connectionOpened' | 'connectionClosed' | 'upgradeRejected' | 'messageReceived' | 'messageSent'
> {
  return {
    connectionOpened(codec) {
      t.opened[codec].value++;
    },
    connectionClosed(closeClass: CloseClass, reason: CloseReason) {
      const key = `${closeClass}\u0000${reason}`;
      let c = t.closed.get(key);
      if (c === undefined) {
        c = cell({ class: closeClass, reason }, true);
        t.closed.set(key, c);
      }
      c.value++;
    },
    upgradeRejected(reason) {
      t.rejected[reason].value++;
    },
    messageReceived(codec, kind, bytes) {
      t.received[codec][kind].value++;
      t.receivedBytes[codec].value += bytes;
    },
    messageSent(codec, kind, bytes, recipients) {
      t.sent[codec][kind].value++;
      t.deliveries[codec][DELIVERY_KIND_OF[kind]].value += recipients;
      t.sentBytes[codec].value += bytes * recipients;
    },
  };
}

/** Counts and times requests, operations, upgrades and HTTP API calls. */
export function requestCounts(
  t: Tallies,
  h: Histograms,
  inFlight: Record<RequestDirection, number>,
): Pick<
  ServerMetrics,
  'requestStarted' | 'requestCompleted' | 'operationCompleted' | 'replyError' | 'upgradeDecided' | 'httpRequest'
> {
  return {
    requestStarted(direction) {
      inFlight[direction]++;
    },
    requestCompleted(direction, outcome, seconds) {
      inFlight[direction] = Math.max(0, inFlight[direction] - 1);
      h.requests.observe(`${direction}:${outcome}`, seconds);
      if (outcome === 'timeout') t.ackTimeouts[direction].value++;
    },
    operationCompleted(kind, seconds) {
      h.operations.observe(kind, seconds);
    },
    replyError(kind, code) {
      // A JavaScript caller can throw an RpcError with any code: unknown codes count as INTERNAL.
      (t.replyErrors[kind][code] ?? t.replyErrors[kind].INTERNAL).value++;
    },
    upgradeDecided(outcome, seconds) {
      h.upgrades.observe(outcome, seconds);
    },
    httpRequest(route, status, seconds) {
      const key = `${route} ${status}`;
      let c = t.httpRequests.get(key);
      if (c === undefined) {
        c = cell({ route, status: String(status) }, true);
        t.httpRequests.set(key, c);
      }
      c.value++;
      h.httpDurations.observe(route, seconds);
    },
  };
}

/** Counts what the protections refused, dropped or closed, and times publishes. */
export function protectionCounts(
  t: Tallies,
  h: Histograms,
): Pick<
  ServerMetrics,
  | 'apiKeyFailed'
  | 'emptyRoomPublish'
  | 'publishLatency'
  | 'backpressureDropped'
  | 'backpressureReplayed'
  | 'sendBackpressure'
  | 'slowConsumerClosed'
  | 'rateLimited'
  | 'limitRejected'
  | 'handlerError'
> {
  return {
    apiKeyFailed() {
      t.apiKeyFailures.value++;
    },
    emptyRoomPublish() {
      t.emptyRoomPublishes.value++;
    },
    publishLatency(seconds) {
      h.publishes.observe('all', seconds);
    },
    backpressureDropped(policy, count) {
      t.drops[policy].value += count;
    },
    backpressureReplayed(count) {
      t.replayed.value += count;
    },
    sendBackpressure(result) {
      t.sendPressure[result].value++;
    },
    slowConsumerClosed() {
      t.slowCloses.value++;
    },
    rateLimited() {
      t.rateLimited.value++;
    },
    limitRejected(limit) {
      t.limitRejections[limit].value++;
    },
    handlerError(kind) {
      t.handlerErrors[kind].value++;
    },
  };
}
