import type { EncodedPush } from '../publish/encoded-push.js';

interface Recent {
  epoch: string;
  top: number;
  /** The latest pushes, oldest first; offsets are consecutive, ending at `top`. */
  pushes: EncodedPush[];
  waiters: { offset: number; epoch: string; resolve: () => void }[];
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
      const waiters = recent?.waiters ?? [];
      recent = { epoch, top: offset - 1, pushes: [], waiters };
      this.#rooms.set(room, recent);
    }
    recent.pushes.push(push);
    recent.top = offset;
    if (recent.pushes.length > KEEP) recent.pushes.splice(0, recent.pushes.length - KEEP);
    if (recent.waiters.length > 0) this.#wake(recent);
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

  /** Settles once this node delivered `offset` of `epoch` (or a later epoch), or after `timeoutMs`. */
  reached(room: string, epoch: string, offset: number, timeoutMs: number): Promise<boolean> {
    const recent = this.#rooms.get(room);
    if (offset === 0 || (recent !== undefined && (recent.epoch !== epoch ? recent.top > 0 : recent.top >= offset))) {
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const entry = { offset, epoch, resolve: () => resolve(true) };
      const timer = setTimeout(() => {
        const list = this.#rooms.get(room)?.waiters;
        const i = list?.indexOf(entry) ?? -1;
        if (i !== -1) list!.splice(i, 1);
        resolve(false);
      }, timeoutMs);
      entry.resolve = () => {
        clearTimeout(timer);
        resolve(true);
      };
      let target = this.#rooms.get(room);
      if (target === undefined) {
        target = { epoch, top: 0, pushes: [], waiters: [] };
        this.#rooms.set(room, target);
      }
      target.waiters.push(entry);
    });
  }

  /** The latest offset this node delivered in `room`, if any. */
  top(room: string): number | undefined {
    return this.#rooms.get(room)?.top;
  }

  /** The room has no local member any more: nothing of it needs keeping. */
  forget(room: string): void {
    const recent = this.#rooms.get(room);
    if (recent !== undefined && recent.waiters.length === 0) this.#rooms.delete(room);
  }

  #wake(recent: Recent): void {
    recent.waiters = recent.waiters.filter((w) => {
      const done = w.epoch !== recent.epoch || recent.top >= w.offset;
      if (done) w.resolve();
      return !done;
    });
  }
}
