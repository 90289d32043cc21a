import { CloseCode, NoticeCode } from '@switchyard/protocol';
import type { ServerConnection } from '../session/connection.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import type { RoomPolicies } from '../protection/room-policy.js';
import type { SlowConsumers } from '../protection/slow-consumer.js';
import type { BufferBudget } from '../protection/buffer-budget.js';
import type { RoomHistory } from '../history/room-history.js';
import { roomTopic } from '../publish/topics.js';
import type { EncodedPush } from '../publish/encoded-push.js';
import type { TopicPublisher } from '../publish/deferred-topics.js';

/** What {@link RoomBackpressure} is built from (the hub's parts). */
export interface RoomBackpressureDeps {
  readonly metrics: ServerMetrics;
  readonly policies: RoomPolicies;
  readonly slow: SlowConsumers<EncodedPush>;
  readonly topics: TopicPublisher;
  readonly history?: RoomHistory | undefined;
  readonly buffers?: BufferBudget<ServerConnection> | undefined;
}

/**
 * The slow-consumer policy applied to a connection's room subscriptions: close it (4201), or
 * pause its rooms while its send buffer is over the limit and catch it up when it drains.
 */
export class RoomBackpressure {
  readonly #d: RoomBackpressureDeps;

  constructor(deps: RoomBackpressureDeps) {
    this.#d = deps;
  }

  /** Applies the policy to a connection whose send buffer was just read. */
  check(conn: ServerConnection): void {
    if (conn.closed) return;
    const slow = this.#d.slow;
    const buffered = conn.socket.bufferedAmount();
    this.#d.buffers?.record(conn, buffered);
    if (conn.closed) return;
    if (slow.isPaused(conn.slow)) {
      if (slow.canResume(conn.slow, buffered)) this.#resume(conn);
      return;
    }
    if (!slow.isOverLimit(buffered)) return;
    const rooms = conn.roomNames();
    if (slow.overLimit(conn.slow, rooms) === 'close') {
      this.#d.metrics.slowConsumerClosed();
      conn.end(CloseCode.SLOW_CONSUMER, 'slow consumer', 'slow_consumer');
      return;
    }
    this.#d.topics.flush();
    for (const room of rooms) conn.socket.unsubscribe(roomTopic(conn.codecImpl, room));
  }

  #resume(conn: ServerConnection): void {
    this.#d.topics.flush();
    for (const catchup of this.#d.slow.resume(conn.slow)) {
      const { room } = catchup;
      if (!conn.inRoom(room)) continue;
      const history = this.#d.policies.resolve(room).history === undefined ? undefined : this.#d.history;
      if (history !== undefined) {
        // A room with history: the GAP names the first skipped offset, in place of the skipped
        // messages (no `latest` replay), so the client recovers them from history (protocol §9.5).
        const missed = catchup.missed + catchup.replay.length;
        const offset = history.firstSkipped(room, missed);
        if (missed > 0) {
          conn.send(
            offset === undefined
              ? { t: 'notice', code: NoticeCode.GAP, room, missed }
              : { t: 'notice', code: NoticeCode.GAP, room, missed, offset },
          );
        }
      } else {
        for (const entry of catchup.replay) conn.sendFrame(entry.value.frame(conn.codecImpl), 'push');
        if (catchup.missed > 0) conn.send({ t: 'notice', code: NoticeCode.GAP, room, missed: catchup.missed });
      }
      // The replay can push the buffer over the limit again, which pauses every room anew; a room
      // subscribed now would then receive while marked paused and replay twice on the next resume.
      if (conn.closed || this.#d.slow.isPaused(conn.slow)) continue;
      conn.socket.subscribe(roomTopic(conn.codecImpl, catchup.room));
    }
  }
}
