import { CLIENT_ENVELOPE_TYPES, ErrorCode, SERVER_ENVELOPE_TYPES } from '@switchyard/protocol';
import type { EnvelopeType } from '@switchyard/protocol';
import type { AnsweredKind, DeliveryKind, LimitKind, RequestDirection, UpgradeRejectReason } from './metrics.js';

/**
 * The fixed label sets and histogram buckets of the Prometheus metrics (prometheus.ts): every
 * label value a series can take comes from here, so no user input ever names a series.
 */

// Envelope kinds each direction can carry (envelope.ts): these series start at 0 so that rate()
// has a baseline from the first scrape; any other kind still counts, its series appears on first use.
/** Kinds of `switchyard_messages_received_total` that start at 0. */
export const RECEIVED_KINDS = CLIENT_ENVELOPE_TYPES;
/** Kinds of `switchyard_messages_sent_total` that start at 0. */
export const SENT_KINDS = SERVER_ENVELOPE_TYPES;
/** Reasons of `switchyard_upgrade_rejections_total`. */
export const UPGRADE_REASONS: readonly UpgradeRejectReason[] = [
  'missing_token',
  'invalid_token',
  'expired_token',
  'forbidden_origin',
  'unsupported_protocol',
  'too_many_connections',
  'server_full',
  'bad_request',
  'shutting_down',
];
/** Directions of the request series. */
export const DIRECTIONS: readonly RequestDirection[] = ['client_to_server', 'server_to_client'];
/** Kinds of `switchyard_handler_errors_total`. */
export const HANDLER_KINDS = ['request', 'event', 'authorize'] as const;
/** Limits of `switchyard_limit_rejections_total`. */
export const LIMIT_KINDS = ['rooms_per_connection', 'room_name', 'http_body'] as const satisfies readonly LimitKind[];

// Bucket bounds come from latencies measured on a loopback server (scripts/metrics-latencies.mjs,
// docs/metrics.md#buckets): a synchronous handler is answered ~4 µs after its request is decoded,
// a presence read in ~6 µs, an acknowledged publish in ~15 µs, a join in ~20 µs, an HTTP API
// publish in ~50 µs, an HS256 upgrade in ~120 µs. Each ladder starts below the healthy case and
// ends where a client gives up; bounds stay 2–2.5× apart so p50 and p99 keep their meaning.
/** Request round trips and client calls: 5 µs up to a client's longest sensible timeout. */
export const REQUEST_BUCKETS = [
  0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05, 0.25, 1, 5, 30,
];
/** Time a publish spends inside the server: tens of microseconds when healthy. */
export const PUBLISH_BUCKETS = [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.001, 0.005, 0.025, 0.1];
/** Upgrade decisions: token verification, ~0.1 ms for HMAC, more for RSA and EC keys. */
export const UPGRADE_BUCKETS = [0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05];
/** Backend HTTP API calls, from the collected body to the answer. */
export const HTTP_BUCKETS = [0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.1, 1];

/** Kinds of `switchyard_deliveries_total`. */
export const DELIVERY_KINDS = [
  'push',
  'reply',
  'request',
  'presence',
  'notice',
  'control',
] as const satisfies readonly DeliveryKind[];
/** Which delivery kind each server envelope is. */
export const DELIVERY_KIND_OF: Readonly<Record<EnvelopeType, DeliveryKind>> = {
  push: 'push',
  reply: 'reply',
  request: 'request',
  presence: 'presence',
  notice: 'notice',
  welcome: 'control',
  ping: 'control',
  pong: 'control',
  // Client-only kinds: never sent by a server, listed so the table is total.
  event: 'control',
  join: 'control',
  leave: 'control',
  publish: 'control',
  'presence-get': 'control',
  refresh: 'control',
};
/** Kinds of `switchyard_reply_errors_total`. */
export const ANSWERED_KINDS = [
  'request',
  'join',
  'leave',
  'publish',
  'presence-get',
  'refresh',
] as const satisfies readonly AnsweredKind[];
/** Codes of `switchyard_reply_errors_total`. */
export const ERROR_CODES = Object.values(ErrorCode);
/**
 * The codes the server itself answers each kind with: these series start at 0. Any other code
 * (a handler's RpcError) still counts; its series appears on first use.
 */
export const EXPECTED_ERRORS: Readonly<Record<AnsweredKind, readonly ErrorCode[]>> = {
  request: [ErrorCode.NOT_FOUND, ErrorCode.BAD_REQUEST, ErrorCode.INTERNAL, ErrorCode.TIMEOUT, ErrorCode.RATE_LIMITED],
  join: [ErrorCode.FORBIDDEN, ErrorCode.BAD_REQUEST, ErrorCode.LIMIT_EXCEEDED, ErrorCode.RATE_LIMITED],
  leave: [ErrorCode.RATE_LIMITED],
  publish: [ErrorCode.FORBIDDEN, ErrorCode.BAD_REQUEST, ErrorCode.INTERNAL, ErrorCode.RATE_LIMITED],
  'presence-get': [ErrorCode.FORBIDDEN, ErrorCode.BAD_REQUEST, ErrorCode.RATE_LIMITED],
  refresh: [ErrorCode.UNAUTHORIZED, ErrorCode.RATE_LIMITED],
};

/** Broker latency: a Redis round trip on a healthy link is well under a millisecond. */
export const BROKER_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5];
