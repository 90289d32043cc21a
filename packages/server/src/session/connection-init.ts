import type { Codec } from '@switchyard/protocol';
import type { ConnectionLease } from '../protection/connection-limits.js';
import type { SlowConsumerState } from '../protection/slow-consumer.js';
import type { CorkedWriter } from './corked-writer.js';
import type { DeadlineWheel } from './deadline-wheel.js';
import type { InboundRequests } from './inbound-requests.js';
import type { ServerMetrics } from '../metrics/metrics.js';

/** Everything known about a connection when it opens. */
export interface ConnectionInit {
  readonly id: string;
  readonly userId: string;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly expiresAt: number | undefined;
  readonly roomClaim: readonly string[] | undefined;
  readonly codec: Codec;
  readonly ip: string;
  readonly origin: string;
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  readonly expiryGraceMs: number;
  /** The per-user / per-IP slot taken at upgrade; released on close. */
  readonly lease: ConnectionLease;
  readonly slow: SlowConsumerState;
  /** The server's one corked writer, shared by all its connections. */
  readonly writer: CorkedWriter;
}

/** What a refreshed token changes on a connection (its user stays the same). */
export interface RefreshedToken {
  readonly claims: Readonly<Record<string, unknown>>;
  readonly expiresAt?: number | undefined;
  readonly rooms?: readonly string[] | undefined;
}

/**
 * What a connection needs from the server around it (the hub). Generic in the connection so this
 * module needs no import of the connection class: see `ConnectionHost` in connection.ts.
 */
export interface SessionHost<Conn> {
  readonly metrics: ServerMetrics;
  /** The shared token-expiry schedule; calls the connection's `expiryDue` when due. */
  readonly expiry: DeadlineWheel<Conn>;
  join(conn: Conn, room: string, presence: boolean): void;
  leave(conn: Conn, room: string): void;
  /** Applies the slow-consumer policy after a send reported backpressure. */
  checkBackpressure(conn: Conn): void;
  /** Sees every reply leave; false drops it (it answers a request already answered `TIMEOUT`). */
  readonly requests?: InboundRequests | undefined;
  /**
   * Queues `send` behind the room pushes still waiting for their batch and returns true; false
   * when none wait. A frame made after a push then arrives after it.
   */
  behindPushes(send: () => void): boolean;
}
