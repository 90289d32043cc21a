import type { AnyContract, Contract, NameOf, PushesOf } from '@switchyard/protocol';
import type { Connection } from './connection.js';
import { ServerConnection } from './connection.js';
import type { Hub } from './hub.js';

/**
 * An immutable broadcast target: every `to()` and `except()` returns a new operator, so a
 * partially built target can be kept and reused.
 * @example
 * server.to('chat:1').except(conn).emit('message', { text: 'hi' });
 */
export interface BroadcastOperator<C extends Contract = AnyContract> {
  /** Adds a room; the message is published to each room once (a member of two rooms gets it twice, once per room). */
  to(room: string): BroadcastOperator<C>;
  /** Excludes one or more connections. */
  except(conn: Connection<C> | readonly Connection<C>[]): BroadcastOperator<C>;
  /**
   * Publishes the push; returns how many connections it was handed to. `options.key` is the
   * conflation key: in rooms with the `latest` slow-consumer policy, a member that falls behind
   * gets only the newest value per (room, event, key) when it catches up.
   */
  emit<K extends NameOf<PushesOf<C>>>(event: K, data: PushesOf<C>[K], options?: EmitOptions): number;
}

/** Options of a room emit. */
export interface EmitOptions {
  /** Conflation key for the `latest` slow-consumer policy; unset: one slot per (room, event). */
  readonly key?: string;
}

/** Sends to every connection of one user (direct pushes, no room). */
export interface UserOperator<C extends Contract = AnyContract> {
  /** Pushes to each of the user's open connections; returns how many were reached. */
  emit<K extends NameOf<PushesOf<C>>>(event: K, data: PushesOf<C>[K]): number;
}

function asServerConnections(conns: readonly Connection[]): ServerConnection[] {
  return conns.filter((c): c is ServerConnection => c instanceof ServerConnection);
}

/** The operator behind `server.to()`. */
export class RoomBroadcast implements BroadcastOperator {
  readonly #hub: Hub;
  readonly #rooms: readonly string[];
  readonly #except: readonly ServerConnection[];

  constructor(hub: Hub, rooms: readonly string[], except: readonly ServerConnection[] = []) {
    this.#hub = hub;
    this.#rooms = rooms;
    this.#except = except;
  }

  to(room: string): BroadcastOperator {
    return this.#rooms.includes(room) ? this : new RoomBroadcast(this.#hub, [...this.#rooms, room], this.#except);
  }

  except(conn: Connection | readonly Connection[]): BroadcastOperator {
    const added = asServerConnections(Array.isArray(conn) ? conn : [conn as Connection]);
    return new RoomBroadcast(this.#hub, this.#rooms, [...new Set([...this.#except, ...added])]);
  }

  emit(event: string, data: unknown, options: EmitOptions = {}): number {
    const live = this.#except.filter((c) => !c.closed);
    let delivered = 0;
    for (const room of this.#rooms) {
      if (live.length <= 1) {
        // The common case: one topic publish per codec (sender-excluding when one connection is left out).
        delivered += this.#hub.publish(room, event, data, live[0], options.key);
        continue;
      }
      // Several exclusions cannot be expressed with a topic: send to the remaining members.
      delivered += this.#hub.publishExcept(room, event, data, new Set(live), options.key);
    }
    return delivered;
  }
}

/** The operator behind `server.toUser()`. */
export class UserBroadcast implements UserOperator {
  readonly #hub: Hub;
  readonly #userId: string;

  constructor(hub: Hub, userId: string) {
    this.#hub = hub;
    this.#userId = userId;
  }

  emit(event: string, data: unknown): number {
    const conns = this.#hub.users.get(this.#userId);
    if (!conns) return 0;
    return this.#hub.sendToEach([...conns], data === undefined ? { t: 'push', event } : { t: 'push', event, data });
  }
}
