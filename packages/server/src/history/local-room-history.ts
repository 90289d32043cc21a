import type { Codec, PushEnvelope } from '@switchyard/protocol';
import type { ApiHistoryPage, ApiHistoryQuery } from '../http/facade.js';
import type { HistoryPolicy } from '../config/options.js';
import { EncodedPush } from '../publish/encoded-push.js';
import type { HistoryStore, HistoryUsage } from './history.js';
import { pageMessages, type HistoryPublish, type JoinHistory, type RoomHistory } from './room-history.js';

/**
 * A single node's rooms with history: a store in this process, answered synchronously, so a
 * publish takes its offset and reaches members in one step, and a join's reply, recovery and
 * first live push leave in order without any buffering.
 */
export class LocalRoomHistory implements RoomHistory {
  readonly deferSubscribe = false;
  readonly #store: HistoryStore;
  readonly #canonical: Codec;

  constructor(store: HistoryStore, canonical: Codec) {
    this.#store = store;
    this.#canonical = canonical;
  }

  publish(room: string, policy: HistoryPolicy, envelope: PushEnvelope, key: string | undefined): HistoryPublish {
    let position = { offset: 0, epoch: '' };
    const push = this.#store.append(room, policy, (at) => {
      const made = EncodedPush.of({ ...envelope, offset: at.offset, epoch: at.epoch }, key);
      // Encoded before it takes the offset: data no codec can carry throws here, and the offset stays free.
      made.frame(this.#canonical);
      position = at;
      return made;
    });
    return { push, position };
  }

  prepareJoin(room: string, policy: HistoryPolicy, since: { offset: number; epoch: string } | undefined): JoinHistory {
    return {
      finish: () => {
        if (since === undefined) return { position: this.#store.position(room, policy), pushes: [] };
        const read = this.#store.read(room, policy, since);
        return { recovered: read.recovered, position: read.position, pushes: read.pushes };
      },
    };
  }

  page(room: string, policy: HistoryPolicy, query: ApiHistoryQuery): ApiHistoryPage {
    const page = this.#store.page(room, policy, query.since, query.limit, query.epoch);
    return { room, ...page.position, complete: page.complete, messages: pageMessages(page.entries) };
  }

  get usage(): HistoryUsage {
    return this.#store.usage;
  }

  firstSkipped(room: string, skipped: number): number | undefined {
    return this.#store.firstSkipped(room, skipped);
  }

  close(): void {
    this.#store.close();
  }
}
