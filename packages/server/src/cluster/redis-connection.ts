import { createClient, type RedisClientType } from '@redis/client';
import type { Logger } from '../log.js';
import { backoff } from './backoff.js';

/** A node-redis client with the default modules and protocol (RESP 3), as the cluster modules use it. */
export type RedisConnection = RedisClientType;

/** First and longest delay between reconnect attempts, milliseconds. */
const RECONNECT_MIN_MS = 50;
const RECONNECT_MAX_MS = 2_000;

/** Options of {@link createRedisConnection}. */
export interface RedisConnectionOptions {
  /** `redis://[[user]:password@]host[:port][/db]` or `rediss://` for TLS. */
  url: string;
  /** Names the connection in logs (`commands`, `subscriber`, `presence`). */
  role: string;
  /**
   * Reject commands at once while the link is down (true), or hold them until it returns (false).
   * @default true
   */
  failFast?: boolean;
  logger?: Logger;
}

/**
 * Creates (does not connect) a client that reconnects forever with capped, jittered backoff and
 * logs a lost link once per outage rather than once per attempt. A client without an `error`
 * listener would crash the process on the first disconnect; this one always has one.
 */
export function createRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const { logger, role } = options;
  const client = createClient({
    url: options.url,
    disableOfflineQueue: options.failFast ?? true,
    socket: { reconnectStrategy: (retries: number) => backoff(retries, RECONNECT_MIN_MS, RECONNECT_MAX_MS) },
  }) as RedisConnection;
  let failing = false;
  client.on('error', (error: Error) => {
    if (failing) {
      logger?.debug({ role, err: error.message }, 'redis link still down');
      return;
    }
    failing = true;
    logger?.warn({ role, err: error.message }, 'redis link lost, reconnecting');
  });
  client.on('ready', () => {
    if (failing) logger?.info({ role }, 'redis link back');
    failing = false;
  });
  return client;
}
