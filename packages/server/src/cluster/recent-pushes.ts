import type { EncodedPush } from '../publish/encoded-push.js';

interface Recent {
  epoch: string;
  top: number;
  /** The latest pushes, oldest first; offsets are consecutive, ending at `top`. */
  pushes: EncodedPush[];
}

/** Pushes kept per room: enough to cover the few messages that arrive while a join reads Redis. */
const KEEP = 256;

/**
 * The latest pushes of each room with history that this node delivered, in offset order, as they
 * arrived from the engine. A join reads a room's history from Redis asynchronously; when the read
 * returns, pushes after it may already have been delivered here: this is where they are found, so
 * the reply, the recovery and the first live push still leave in order.
 */
export class RecentPushes {
  readonly #rooms = new Map<string, Recent>();

  /** Records a push (with offset and epoch) this node is about to hand to its members. */
  record(room: string, push: EncodedPush): void {
    const { offset, epoch } = push.envelope as { offset: number; epoch: string };
    let recent = this.#rooms.get(room);
    if (recent === undefined || recent.epoch !== epoch || offset !== recent.top + 1) {
      // A new epoch, or a break in the sequence (a lost subscription): start over from here.
      recent = { epoch, top: offset - 1, pushes: [] };
      this.#rooms.set(room, recent);
    }
    recent.pushes.push(push);
    recent.top = offset;
    if (recent.pushes.length > KEEP) recent.pushes.splice(0, recent.pushes.length - KEEP);
  }

  /** The pushes after `offset` of `epoch`, when every one of them is kept; undefined otherwise. */
  after(room: string, epoch: string, offset: number): EncodedPush[] | undefined {
    const recent = this.#rooms.get(room);
    if (recent === undefined || recent.epoch !== epoch) return offset >= 0 ? [] : undefined;
    if (recent.top <= offset) return [];
    const first = recent.top - recent.pushes.length + 1;
    if (first > offset + 1) return undefined;
    return recent.pushes.slice(offset + 1 - first);
  }

  readonly #marks = new Map<string, () => void>();

  /** Settles true when the marker `token` came back through the room's channel, false after `timeoutMs`. */
  mark(token: string, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#marks.delete(token);
        resolve(false);
      }, timeoutMs);
      this.#marks.set(token, () => {
        clearTimeout(timer);
        this.#marks.delete(token);
        resolve(true);
      });
    });
  }

  /** A marker of this node came back. */
  marked(token: string): void {
    this.#marks.get(token)?.();
  }

  /** The latest offset this node delivered in `room`, if any. */
  top(room: string): number | undefined {
    return this.#rooms.get(room)?.top;
  }

  /** The room has no local member any more: nothing of it needs keeping. */
  forget(room: string): void {
    this.#rooms.delete(room);
  }
}
