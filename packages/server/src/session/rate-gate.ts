import { CloseCode, ErrorCode, type ClientEnvelope } from '@switchyard/protocol';
import type { ServerConnection } from './connection.js';
import type { Logger } from '../log.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import { idOf, replyError } from './replies.js';

// Envelopes that answer or keep alive: metered by the connection's separate, generous control
// bucket instead (a reply that settles a pending server request is never metered).
const CONTROL = new Set<ClientEnvelope['t']>(['ping', 'pong', 'reply']);

/**
 * Meters a connection's messages against its rate limits. A refused request is answered
 * `RATE_LIMITED`; a connection that keeps going past the limit is closed with 4200.
 */
export class RateGate {
  readonly #metrics: ServerMetrics;
  readonly #logger: Logger;

  constructor(metrics: ServerMetrics, logger: Logger) {
    this.#metrics = metrics;
    this.#logger = logger;
  }

  /**
   * Meters an envelope on the message rate (`ping`, `pong` and `reply` pass: {@link allowControl}
   * meters those); false when it must be skipped, after answering or closing.
   */
  admit(conn: ServerConnection, envelope: ClientEnvelope): boolean {
    if (CONTROL.has(envelope.t)) return true;
    const decision = conn.rate.check();
    if (decision === 'allow') return true;
    this.#metrics.rateLimited();
    const id = idOf(envelope);
    if (decision === 'close') {
      // The message that tips the connection over is answered too; later ones never arrive.
      if (id !== undefined) replyError(conn, id, ErrorCode.RATE_LIMITED, 'message rate limit exceeded');
      this.#close(conn, 'message_rate');
      return false;
    }
    // One line per burst of violations, not per message.
    if (conn.rate.recentViolations() === 1) {
      this.#logger.info(
        {
          event: 'limit_exceeded',
          limit: 'message_rate',
          action: 'reject',
          connectionId: conn.id,
          userId: conn.userId,
          ip: conn.ip,
        },
        'rate limit exceeded',
      );
    }
    if (id !== undefined) replyError(conn, id, ErrorCode.RATE_LIMITED, 'message rate limit exceeded');
    return false;
  }

  /** Meters a `ping`, `pong` or unsolicited `reply`; false when it must be skipped. */
  allowControl(conn: ServerConnection): boolean {
    const decision = conn.controlRate.check();
    if (decision === 'allow') return true;
    this.#metrics.rateLimited();
    if (decision === 'close') this.#close(conn, 'control_rate');
    return false;
  }

  #close(conn: ServerConnection, limit: 'message_rate' | 'control_rate'): void {
    this.#logger.warn(
      { event: 'limit_exceeded', limit, action: 'close', connectionId: conn.id, userId: conn.userId, ip: conn.ip },
      'rate limit: closing',
    );
    conn.end(CloseCode.RATE_LIMITED, 'rate limited', 'rate_limited');
  }
}
