import type { CodecName } from '@switchyard/protocol';
import type { AuthorizeHook } from '../rooms/authorize-hook.js';
import type { SlowConsumerPolicy } from '../protection/slow-consumer.js';
import type { Logger } from '../log.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import type { UwsApp } from '../transport/uws.js';
import type { NodeServer, PerMessageDeflateOptions } from '../transport/ws.js';

/**
 * Options of `createServer()`. Every field has a default; `switchyard serve` fills them from
 * flags, environment (`SWITCHYARD_*`) and a config file (docs/configuration.md).
 */

/** JWT verification. Algorithms are always pinned: a token's own `alg` never chooses the key type. */
export interface AuthOptions {
  /**
   * Allowed algorithms, for example `['HS256']` or `['RS256', 'ES256']`.
   * @default inferred from the keys: HS256 for a secret; RS256, PS256 or the curve's ES* for each public key
   */
  algorithms?: readonly string[];
  /** Shared secret(s) for HS* algorithms. A record maps `kid` to secret for rotation. */
  secret?: string | Readonly<Record<string, string>>;
  /** Public key(s) in PEM for RS*, PS* and ES* algorithms. A record maps `kid` to key. */
  publicKey?: string | Readonly<Record<string, string>>;
  /** Required `iss`, when set. */
  issuer?: string | readonly string[];
  /** Required `aud`, when set. */
  audience?: string | readonly string[];
  /** Clock tolerance for `exp` and `nbf`, in seconds. @default 5 */
  clockToleranceSec?: number;
  /** Accept `?token=` in the upgrade URL. @default true */
  allowQueryToken?: boolean;
  /** Accept connections without a token as anonymous users. Never on by default. @default false */
  allowAnonymous?: boolean;
  /** Close an open connection this long after `exp` unless it refreshed in band, in ms. @default 1000 */
  expiryGraceMs?: number;
}

export type { SlowConsumerPolicy } from '../protection/slow-consumer.js';

/** A room pattern (`*` matches any run of characters) and its settings. */
export interface RoomPolicy {
  /** Room name pattern, for example `ticker:*`. */
  pattern: string;
  /** Slow-consumer policy for matching rooms. @default 'close' */
  slowConsumer?: SlowConsumerPolicy;
  /**
   * Whether every member may publish to matching rooms (pushes then carry the publisher's user id
   * in `from`). Off, only tokens whose `publish` claim names the room may. @default false
   */
  clientPublish?: boolean;
  /** Send presence changes to members that ask for them. @default true */
  presence?: boolean;
  /**
   * Keep the room's recent messages, so pushes carry `offset` and `epoch` and a client that
   * reconnects recovers what it missed (docs/protocol.md §9). Unset: no history.
   */
  history?: HistoryPolicy;
}

/** How much of a room's stream is kept for recovery. */
export interface HistoryPolicy {
  /** Most messages kept per room (1–100000); older ones are trimmed. */
  size: number;
  /** Seconds a message is kept (1–604800); also how long a room without members keeps its history. */
  ttlSec: number;
}

/** Protection limits (docs/limits.md). */
export interface LimitOptions {
  /** Largest accepted frame, bytes. @default 65536 */
  maxPayload?: number;
  /** Per-socket send buffer limit, bytes. @default 1048576 */
  maxBackpressure?: number;
  /**
   * Bytes all send buffers together may hold; past it the connections furthest behind (largest
   * buffers first) are closed with 4201 until the total is back under it. 0: no cap. Unset: 1/8
   * of the system's memory, at least 64 MiB (docs/limits.md). @default derived
   */
  maxBufferedBytes?: number;
  /** Sustained messages per second per connection (token bucket rate; 0 disables). @default 100 */
  messagesPerSecond?: number;
  /**
   * Token bucket size: at most this many messages back to back (a full bucket), refilled at
   * `messagesPerSecond`. Not added to the rate: the default allows 200 in a burst, not 300. @default 200
   */
  messageBurst?: number;
  /** Rooms one connection may be in. @default 100 */
  maxRoomsPerConnection?: number;
  /**
   * Distinct users in a room above which members get one member count per turn (`change:
   * 'count'`) instead of a notice per user joining or leaving, and a join's presence snapshot is
   * a count. 0: no limit. @default 1000
   */
  presenceNoticeLimit?: number;
  /** Longest room name, characters. @default 128 */
  maxRoomNameLength?: number;
  /**
   * Open connections in the whole server; past it upgrades get `503`. 0: no cap. Unset: derived
   * from the process's descriptor limit (`ulimit -n`), minus a reserve of max(64, 10 %), so the
   * server never runs out of descriptors (docs/limits.md). @default derived
   */
  maxConnections?: number;
  /** Connections per user id (0: unlimited). @default 0 */
  maxConnectionsPerUser?: number;
  /** Connections per client IP (0: unlimited). @default 0 */
  maxConnectionsPerIp?: number;
  /** Seconds without traffic before uWS pings and then closes. @default 60 */
  idleTimeoutSec?: number;
  /** Heartbeat interval advertised to clients, ms. @default 25000 */
  heartbeatMs?: number;
  /** Largest request body the backend HTTP API (`/v1/*`) accepts, bytes; larger: 413. @default 1048576 */
  maxHttpBodyBytes?: number;
  /** Longest a request handler may run before the client is answered `TIMEOUT`, ms (0: no limit). @default 0 */
  requestTimeoutMs?: number;
}

/**
 * Multi-node mode: nodes started with the same Redis and the same JWT key serve the same rooms
 * (docs/scaling.md). Unset: a single node, in memory.
 */
export interface RedisOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. */
  url: string;
  /** Prefix of every key and channel, so several clusters can share one Redis. @default 'switchyard' */
  prefix?: string;
  /**
   * Messages a node holds for other nodes while Redis is unreachable or slow to acknowledge; past
   * it, cross-node copies are refused (docs/scaling.md). @default 10000
   */
  maxQueue?: number;
}

/** Options of `createServer()`. */
export interface ServerOptions {
  /** Interface to bind. @default '127.0.0.1' when no key is configured, else '0.0.0.0' */
  host?: string;
  /** Port for `listen()` when none is passed. @default 9001 */
  port?: number;
  /** JWT verification. */
  auth?: AuthOptions;
  /** Exact-match browser origins allowed to connect; unset allows all. */
  allowedOrigins?: readonly string[];
  /**
   * Codecs offered, each in protocol versions 1 and 2 (`switchyard.v1.json`, `switchyard.v2.json`,
   * ...). A client that offers no codec subprotocol speaks version 1 JSON. @default ['json', 'msgpack']
   */
  codecs?: readonly CodecName[];
  /** Per-room-pattern policies; the first matching pattern wins. */
  rooms?: readonly RoomPolicy[];
  /** Protection limits. */
  limits?: LimitOptions;
  /** API key for the backend HTTP API (`/v1/*`); the API is off when unset. */
  apiKey?: string;
  /**
   * Header carrying the client IP from a trusted proxy (for example `x-forwarded-for`); unset: the
   * socket address. Requires `trustedProxies` (`createServer()` throws without it).
   */
  trustedProxyHeader?: string;
  /**
   * Addresses or CIDR ranges of the proxies in front of the server (for example `['10.0.0.0/8']`).
   * With `trustedProxyHeader`, hops belonging to them are skipped from the right, and the header is
   * honoured only when the TCP peer is one of them (docs/limits.md). Required with `trustedProxyHeader`.
   */
  trustedProxies?: readonly string[];
  /** Serve `/metrics`. @default true */
  metrics?: boolean;
  /** Serve `/metrics` on this separate port instead of the main one. */
  metricsPort?: number;
  /** Seconds to wait for sockets to close on shutdown before forcing exit. @default 10 */
  shutdownGraceSec?: number;
  /** Join a cluster of nodes through Redis; unset: a single node in memory. */
  redis?: RedisOptions;
  /** Log level for the built-in pino logger. @default 'info' */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

  /**
   * An existing uWebSockets.js app to add Switchyard's routes to (`/ws`, `/healthz`, `/readyz`,
   * `/metrics`), next to your own. Unset: the server creates its own app.
   */
  app?: UwsApp;
  /**
   * The WebSocket transport: `'uws'` (uWebSockets.js, the fastest) or `'ws'` (the `ws` library on
   * a Node HTTP server, for apps that already have one). See docs/server.md for when to choose which.
   * @default 'ws' when `server` is set, else 'uws'
   */
  transport?: 'uws' | 'ws';
  /**
   * An existing Node `http.Server` or `https.Server` (Express, Fastify, Koa, NestJS, `node:http`)
   * to serve the WebSocket endpoint on, through its `upgrade` event; implies `transport: 'ws'`.
   * The app keeps its port and its routes; mount `server.httpHandler()` for `/healthz`, `/readyz`,
   * `/metrics` and the HTTP API. The server is then ready without `listen()`.
   */
  server?: NodeServer;
  /** The WebSocket endpoint's path. @default '/ws' */
  path?: string;
  /**
   * Offer permessage-deflate (`ws` transport only; the uWS transport never compresses). Off by
   * default: compression costs CPU per message and per subscriber, and memory per connection.
   * @default false
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Logger to write to (pino); unset: a JSON-lines logger on stdout at `logLevel`. */
  logger?: Logger;
  /**
   * Decides whether a client may join, publish to, or read presence of a room. Runs after the
   * token's `rooms` claim check; both must allow. See also `server.authorize()`.
   */
  authorize?: AuthorizeHook;
  /** Metrics implementation to report to; unset: Prometheus when `metrics` is on, otherwise none. */
  metricsSink?: ServerMetrics;
}
