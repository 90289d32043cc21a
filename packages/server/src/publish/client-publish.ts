import { ErrorCode } from '@switchyard/protocol';
import type { QueuedPublish } from '../session/client-messages.js';
import type { Logger } from '../log.js';
import type { PublishOutcome, Publisher } from './publisher.js';

/**
 * Runs one client publish taken from the deferred queue: publishes it to the room, the sender
 * excluded through its own socket while it is open, and acknowledges it when it carries an id.
 * The push carries the publisher's user id as `from`, set here and never taken from the client.
 * Data one codec decoded that another cannot encode fails the publish: the sender learns it.
 */
export function runClientPublish(publisher: Publisher, logger: Logger, item: QueuedPublish): void {
  const { conn, envelope } = item;
  let outcome: PublishOutcome;
  try {
    outcome = publisher.toRoom(envelope.room, envelope.event, envelope.data, {
      except: conn.closed ? undefined : conn,
      since: item.enqueuedAt,
      from: conn.userId,
    });
  } catch (err) {
    logger.error({ event: 'publish_failed', connectionId: conn.id, room: envelope.room, err }, 'publish failed');
    if (envelope.id !== undefined) {
      conn.send({
        t: 'reply',
        id: envelope.id,
        ok: false,
        error: { code: ErrorCode.INTERNAL, message: 'internal error' },
      });
    }
    return;
  }
  const { id } = envelope;
  if (outcome.pending !== undefined) {
    outcome.pending.then(
      () => {
        if (id !== undefined) conn.send({ t: 'reply', id, ok: true });
      },
      (err: unknown) => {
        logger.warn(
          { event: 'publish_failed', connectionId: conn.id, room: envelope.room, err },
          'history publish failed',
        );
        if (id !== undefined) {
          conn.send({
            t: 'reply',
            id,
            ok: false,
            error: {
              code: ErrorCode.UNAVAILABLE,
              message: 'the cluster is unreachable: the message was not published',
            },
          });
        }
      },
    );
    return;
  }
  if (id === undefined) return;
  if (outcome.forwarded) conn.send({ t: 'reply', id, ok: true });
  else {
    // Members on this node have it; the other nodes could not be reached (the broker's queue is full).
    conn.send({
      t: 'reply',
      id,
      ok: false,
      error: { code: ErrorCode.UNAVAILABLE, message: 'the cluster is unreachable: delivered to this node only' },
    });
  }
}
