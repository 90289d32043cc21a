import type { CloseClass, CodecName, EnvelopeType, ErrorCode } from '@switchyard/protocol';

/**
 * What the server reports as it works. The server depends only on this interface; the
 * Prometheus implementation lives in `prometheus.ts` and `noopMetrics` serves when metrics are off.
 * Every label is drawn from a fixed set: never a room, user or event name.
 */

/** Why an upgrade was refused. */
export type UpgradeRejectReason =
  | 'missing_token'
  | 'invalid_token'
  | 'expired_token'
  | 'forbidden_origin'
  | 'unsupported_protocol'
  | 'too_many_connections'
  | 'server_full'
  | 'bad_request'
  | 'shutting_down';

/** Why a connection closed, beyond its close code. */
export type CloseReason =
  | 'client'
  | 'protocol_error'
  | 'token_expired'
  | 'rate_limited'
  | 'slow_consumer'
  | 'payload_too_large'
  | 'idle_timeout'
  | 'kicked'
  | 'shutdown'
  | 'abnormal';

/** A limit that refused a request without closing anything (the caller got an error answer). */
export type LimitKind = 'rooms_per_connection' | 'room_name' | 'http_body';

/** Who asked, for request metrics. */
export type RequestDirection = 'client_to_server' | 'server_to_client';

/** How a request ended. */
export type RequestOutcome = 'ok' | 'error' | 'timeout' | 'disconnected';

/** What a frame sent to clients is, for `switchyard_deliveries_total`: room pushes apart from the rest. */
export type DeliveryKind = 'push' | 'reply' | 'request' | 'presence' | 'notice' | 'control';

/** Client envelopes the server answers with a reply, for reply errors and in-flight requests. */
export type AnsweredKind = 'request' | 'join' | 'leave' | 'publish' | 'presence-get' | 'refresh';

/** Client calls whose latency is recorded beside `request`: they may wait on authorization hooks. */
export type OperationKind = 'join' | 'publish' | 'presence-get';

/** The backend HTTP API call a request matched (`other`: no route). */
export type HttpApiRoute = 'publish' | 'disconnect' | 'presence' | 'history' | 'rooms' | 'other';

/** Open connections of one wire format. */
export interface FormatCount {
  readonly codec: CodecName;
  readonly protocol: number;
  readonly connections: number;
}

/** Live counts the metrics read when scraped. */
export interface GaugeSource {
  connections(): number;
  rooms(): number;
  subscriptions(): number;
  /** Distinct users with at least one open connection. */
  users(): number;
  /** Open connections per wire format (codec and protocol version). */
  connectionsByFormat(): Iterable<FormatCount>;
  /** Connections paused as slow consumers right now, and the bytes queued in their send buffers. */
  slowConsumers(): { readonly connections: number; readonly bufferedBytes: number };
  /** 1 while the cluster broker's link is up; absent on a single node. */
  brokerConnected?(): number;
  /** Messages waiting for the cluster broker; absent on a single node. */
  brokerQueueDepth?(): number;
  /** Messages kept for recovery by rooms with history, in this process (0 when history lives in Redis). */
  historyMessages?(): number;
  /** Bytes of those messages (their frames in the canonical wire format). */
  historyBytes?(): number;
  /** Bytes in every connection's send buffer, as last read (what `limits.maxBufferedBytes` caps). */
  bufferedBytes?(): number;
}

/** What the cluster broker reports (a cluster node only). */
export interface BrokerReport {
  linkChanged(connected: boolean): void;
  published(messages: number, bytes: number): void;
  received(messages: number, bytes: number): void;
  /** Cross-node copies refused because the broker's queue was full. */
  dropped(messages: number): void;
  reconnected(): void;
  /** Time from writing a message to the broker acknowledging it. */
  publishLatency(seconds: number): void;
}

/** The server's reporting seam. */
export interface ServerMetrics {
  /** Registers the live counts read at scrape time. */
  setGaugeSource(source: GaugeSource): void;
  connectionOpened(codec: CodecName): void;
  connectionClosed(closeClass: CloseClass, reason: CloseReason): void;
  upgradeRejected(reason: UpgradeRejectReason): void;
  /** One envelope received from a client. */
  messageReceived(codec: CodecName, kind: EnvelopeType, bytes: number): void;
  /** One frame sent; for a room publish, `recipients` is the subscriber count (no per-recipient work). */
  messageSent(codec: CodecName, kind: EnvelopeType, bytes: number, recipients: number): void;
  /** A request started: it is in flight until its {@link ServerMetrics.requestCompleted}. */
  requestStarted(direction: RequestDirection): void;
  /** A request finished (each started request finishes exactly once). */
  requestCompleted(direction: RequestDirection, outcome: RequestOutcome, seconds: number): void;
  /** A join, acknowledged publish or presence read was answered, `seconds` after it arrived. */
  operationCompleted(kind: OperationKind, seconds: number): void;
  /** A client envelope was answered with an error reply carrying `code`. */
  replyError(kind: AnsweredKind, code: ErrorCode): void;
  /** An upgrade was decided (token verification included), `seconds` after it arrived. */
  upgradeDecided(outcome: 'accepted' | 'rejected', seconds: number): void;
  /** A backend HTTP API request was answered with `status`. */
  httpRequest(route: HttpApiRoute, status: number, seconds: number): void;
  /** A backend HTTP API request carried a missing or wrong API key. */
  apiKeyFailed(): void;
  /** A room publish found no member to deliver to on this server. */
  emptyRoomPublish(): void;
  /** Time from a publish entering the server to its hand-off to uWS. */
  publishLatency(seconds: number): void;
  /** Messages skipped for slow consumers, by policy, counted as each publish skips them. */
  backpressureDropped(policy: 'drop' | 'latest', count: number): void;
  /** Skipped messages of `latest` rooms replayed to a slow consumer when it caught up. */
  backpressureReplayed(count: number): void;
  /** A `send()` returned backpressure (1) or dropped (2). */
  sendBackpressure(result: 'backpressure' | 'dropped'): void;
  slowConsumerClosed(): void;
  rateLimited(): void;
  /** A join, publish, presence read or HTTP API call refused by a limit (`LIMIT_EXCEEDED`, `BAD_REQUEST`, 413). */
  limitRejected(limit: LimitKind): void;
  /** A handler threw something that was not an `RpcError`. */
  handlerError(kind: 'request' | 'event' | 'authorize'): void;
  /** The cluster broker's reports. */
  readonly broker: BrokerReport;
  /** Serialises the registry in the Prometheus text format. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/** Metrics that record nothing, for `metrics: false`. */
export const noopMetrics: ServerMetrics = {
  setGaugeSource: () => {},
  connectionOpened: () => {},
  connectionClosed: () => {},
  upgradeRejected: () => {},
  messageReceived: () => {},
  messageSent: () => {},
  requestStarted: () => {},
  requestCompleted: () => {},
  operationCompleted: () => {},
  replyError: () => {},
  upgradeDecided: () => {},
  httpRequest: () => {},
  apiKeyFailed: () => {},
  emptyRoomPublish: () => {},
  publishLatency: () => {},
  backpressureDropped: () => {},
  backpressureReplayed: () => {},
  sendBackpressure: () => {},
  slowConsumerClosed: () => {},
  rateLimited: () => {},
  limitRejected: () => {},
  handlerError: () => {},
  broker: {
    linkChanged: () => {},
    published: () => {},
    received: () => {},
    dropped: () => {},
    reconnected: () => {},
    publishLatency: () => {},
  },
  scrape: () => Promise.resolve({ contentType: 'text/plain; version=0.0.4', body: '' }),
};
