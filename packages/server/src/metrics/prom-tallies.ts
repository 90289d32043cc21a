import { CODEC_NAMES, ENVELOPE_TYPES } from '@switchyard/protocol';
import type { CodecName, EnvelopeType } from '@switchyard/protocol';
import type { Registry } from 'prom-client';
import { tallyCounter } from './prom-collectors.js';
import {
  ANSWERED_KINDS,
  DELIVERY_KINDS,
  DIRECTIONS,
  ERROR_CODES,
  EXPECTED_ERRORS,
  HANDLER_KINDS,
  LIMIT_KINDS,
  RECEIVED_KINDS,
  SENT_KINDS,
  UPGRADE_REASONS,
} from './prom-labels.js';
import { cell, keyed } from './tally.js';
import type { Cell } from './tally.js';

const byCodec = (): Record<CodecName, Cell> => keyed(CODEC_NAMES, (codec) => cell({ codec }, true));
const byKind = (codec: CodecName, initialKinds: readonly string[]): Record<EnvelopeType, Cell> =>
  keyed(ENVELOPE_TYPES, (kind) => cell({ codec, kind }, initialKinds.includes(kind)));

/**
 * The cells behind every counter: the hot path adds to a cell, and the counter reads the cells
 * when `/metrics` is scraped. Series with `initial` cells start at 0.
 */
export function createTallies() {
  return {
    opened: byCodec(),
    closed: new Map<string, Cell>(),
    rejected: keyed(UPGRADE_REASONS, (reason) => cell({ reason }, true)),
    received: keyed(CODEC_NAMES, (codec) => byKind(codec, RECEIVED_KINDS)),
    sent: keyed(CODEC_NAMES, (codec) => byKind(codec, SENT_KINDS)),
    receivedBytes: byCodec(),
    sentBytes: byCodec(),
    deliveries: keyed(CODEC_NAMES, (codec) => keyed(DELIVERY_KINDS, (kind) => cell({ codec, kind }, true))),
    replayed: cell({}, true),
    replyErrors: keyed(ANSWERED_KINDS, (kind) =>
      keyed(ERROR_CODES, (code) => cell({ kind, code }, EXPECTED_ERRORS[kind].includes(code))),
    ),
    apiKeyFailures: cell({}, true),
    emptyRoomPublishes: cell({}, true),
    httpRequests: new Map<string, Cell>(),
    ackTimeouts: keyed(DIRECTIONS, (direction) => cell({ direction }, true)),
    drops: keyed(['drop', 'latest'] as const, (policy) => cell({ policy }, true)),
    sendPressure: keyed(['backpressure', 'dropped'] as const, (result) => cell({ result }, true)),
    slowCloses: cell({}, true),
    rateLimited: cell({}, true),
    limitRejections: keyed(LIMIT_KINDS, (limit) => cell({ limit }, true)),
    handlerErrors: keyed(HANDLER_KINDS, (kind) => cell({ kind }, true)),
  };
}

/** The counters' cells, as {@link createTallies} builds them. */
export type Tallies = ReturnType<typeof createTallies>;

const nested = (table: Record<CodecName, Record<EnvelopeType, Cell>>): Cell[] =>
  Object.values(table).flatMap((row) => Object.values(row));

/** One counter: its name, help, label names and the cells it reads. */
interface TallySpec {
  readonly name: string;
  readonly help: string;
  readonly labels: readonly string[];
  readonly cells: (t: Tallies) => Iterable<Cell>;
}

// In registration order, which is the order of the scrape.
const TALLY_SPECS: readonly TallySpec[] = [
  {
    name: 'switchyard_connections_opened_total',
    help: 'WebSocket connections accepted, by negotiated codec.',
    labels: ['codec'],
    cells: (t) => Object.values(t.opened),
  },
  {
    name: 'switchyard_connections_closed_total',
    help: 'WebSocket connections closed, by close-code class and reason.',
    labels: ['class', 'reason'],
    cells: (t) => t.closed.values(),
  },
  {
    name: 'switchyard_upgrade_rejections_total',
    help: 'HTTP upgrades refused before a socket opened, by reason.',
    labels: ['reason'],
    cells: (t) => Object.values(t.rejected),
  },
  {
    name: 'switchyard_messages_received_total',
    help: 'Envelopes received from clients, by codec and envelope kind.',
    labels: ['codec', 'kind'],
    cells: (t) => nested(t.received),
  },
  {
    name: 'switchyard_messages_sent_total',
    help: 'Frames encoded and handed to the transport (a room publish counts once), by codec and envelope kind.',
    labels: ['codec', 'kind'],
    cells: (t) => nested(t.sent),
  },
  {
    name: 'switchyard_received_bytes_total',
    help: 'Payload bytes received from clients, by codec.',
    labels: ['codec'],
    cells: (t) => Object.values(t.receivedBytes),
  },
  {
    name: 'switchyard_sent_bytes_total',
    help: 'Payload bytes written to clients (frame size times recipients), by codec.',
    labels: ['codec'],
    cells: (t) => Object.values(t.sentBytes),
  },
  {
    name: 'switchyard_deliveries_total',
    help: 'Frames delivered to connections: a room publish counts its subscribers, by codec and kind.',
    labels: ['codec', 'kind'],
    cells: (t) => Object.values(t.deliveries).flatMap((row) => Object.values(row)),
  },
  {
    name: 'switchyard_backpressure_replays_total',
    help: 'Skipped messages of latest-policy rooms replayed to slow consumers when they caught up.',
    labels: [],
    cells: (t) => [t.replayed],
  },
  {
    name: 'switchyard_reply_errors_total',
    help: 'Client requests, joins, publishes, presence reads and refreshes answered with an error, by kind and code.',
    labels: ['kind', 'code'],
    cells: (t) => Object.values(t.replyErrors).flatMap((row) => Object.values(row)),
  },
  {
    name: 'switchyard_http_requests_total',
    help: 'Backend HTTP API requests answered, by route and status.',
    labels: ['route', 'status'],
    cells: (t) => t.httpRequests.values(),
  },
  {
    name: 'switchyard_api_key_failures_total',
    help: 'Backend HTTP API requests refused for a missing or wrong API key.',
    labels: [],
    cells: (t) => [t.apiKeyFailures],
  },
  {
    name: 'switchyard_empty_room_publishes_total',
    help: 'Room publishes that found no member to deliver to on this server.',
    labels: [],
    cells: (t) => [t.emptyRoomPublishes],
  },
  {
    name: 'switchyard_ack_timeouts_total',
    help: 'Requests whose reply did not arrive in time, by direction.',
    labels: ['direction'],
    cells: (t) => Object.values(t.ackTimeouts),
  },
  {
    name: 'switchyard_backpressure_drops_total',
    help: 'Messages skipped for slow consumers, by room slow-consumer policy.',
    labels: ['policy'],
    cells: (t) => Object.values(t.drops),
  },
  {
    name: 'switchyard_send_backpressure_total',
    help: 'send() calls that reported backpressure or dropped the frame, by result.',
    labels: ['result'],
    cells: (t) => Object.values(t.sendPressure),
  },
  {
    name: 'switchyard_slow_consumer_closes_total',
    help: 'Connections closed as slow consumers (close code 4201).',
    labels: [],
    cells: (t) => [t.slowCloses],
  },
  {
    name: 'switchyard_rate_limited_messages_total',
    help: 'Client messages refused by the per-connection rate limit.',
    labels: [],
    cells: (t) => [t.rateLimited],
  },
  {
    name: 'switchyard_limit_rejections_total',
    help: 'Joins, publishes, presence reads and HTTP API calls refused by a limit, by limit.',
    labels: ['limit'],
    cells: (t) => Object.values(t.limitRejections),
  },
  {
    name: 'switchyard_handler_errors_total',
    help: 'Handlers that threw something other than an RpcError, by handler kind.',
    labels: ['kind'],
    cells: (t) => Object.values(t.handlerErrors),
  },
];

/** Registers a counter for each tally, in the order of the scrape. */
export function registerTallies(registry: Registry, t: Tallies): void {
  for (const spec of TALLY_SPECS) tallyCounter(registry, spec.name, spec.help, spec.labels, () => spec.cells(t));
}
