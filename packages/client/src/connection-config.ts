import type { ServerEnvelope, WelcomeEnvelope } from '@switchyard/protocol';
import { systemClock, type Clock } from './clock.js';
import { DEFAULT_BACKOFF, type BackoffConfig, type StatusEvent } from './connection-machine.js';
import { json, type ClientCodec } from './json-codec.js';
import type { ClientOptions } from './options.js';
import { checkUrl } from './url.js';
import type { WebSocketConstructor } from './web-socket.js';

/** What the driver needs. */
export interface ConnectionConfig {
  readonly url: string;
  readonly codec: ClientCodec;
  readonly WebSocket: WebSocketConstructor;
  readonly clock: Clock;
  readonly random: () => number;
  readonly backoff: BackoffConfig;
  readonly connectTimeoutMs: number;
  /** A fresh token can be fetched: false with a fixed token, so a 41xx close ends the session. */
  readonly reauth: boolean;
  /** Attempts in a row refused for their token before the session ends. */
  readonly maxRefusals: number;
  /** Returns the token for the next attempt; `fresh` asks for a new one. */
  readonly token: (fresh: boolean) => string | undefined | Promise<string | undefined>;
}

/** What the driver reports. */
export interface ConnectionListener {
  welcome(welcome: WelcomeEnvelope): void;
  envelope(envelope: ServerEnvelope): void;
  /** The welcomed socket is gone (read `status` to see whether the session is over). */
  down(): void;
  status(event: StatusEvent): void;
  error(error: unknown): void;
}

/**
 * The connection settings a client's options ask for, defaults filled in.
 * @throws TypeError without a WebSocket constructor, or for a URL a WebSocket cannot open
 */
export function connectionConfig(options: ClientOptions, token: ConnectionConfig['token']): ConnectionConfig {
  const WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!WebSocket) throw new TypeError('no WebSocket: pass the WebSocket option');
  checkUrl(options.url);
  return {
    url: options.url,
    codec: options.codec === undefined || options.codec === 'json' ? json : options.codec,
    WebSocket,
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
    backoff: { ...DEFAULT_BACKOFF, ...options.reconnect },
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    reauth: !!options.getToken,
    maxRefusals: options.maxRefusals ?? 10,
    token,
  };
}
