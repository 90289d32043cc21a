import type { AnyContract, Contract, NameOf, PushesOf } from '@switchyard/protocol';
import type { Connection } from '../session/connection.js';
import { ServerConnection } from '../session/connection.js';
import type { Publisher } from './publisher.js';

/**
 * An immutable broadcast target: every `to()` and `except()` returns a new operator, so a
 * partially built target can be kept and reused.
 * @example
 * server.to('chat:1').except(conn).emit('message', { text: 'hi' });
 */
export interface BroadcastOperator<C extends Contract = AnyContract> {
  /**
   * Adds a room; a member of several of the rooms gets the message once, as a push of the first
   * of them it is in. (In a cluster, members on other nodes may get it once per room.)
   */
  to(room: string): BroadcastOperator<C>;
  /** Excludes one or more connections. */
  except(conn: Connection<C> | readonly Connection<C>[]): BroadcastOperator<C>;
  /**
   * Publishes the push; returns how many connections it was handed to. `options.key` is the
   * conflation key: in rooms with the `latest` slow-consumer policy, a member that falls behind
   * gets only the newest value per (room, event, key) when it catches up. The push carries no
   * `from`: members can tell the server's messages from clients' publishes.
   * @throws BinaryDataError when `data` holds bytes and the server serves JSON (nothing is sent)
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
  /**
   * Pushes to each of the user's open connections; returns how many were reached.
   * @throws BinaryDataError when `data` holds bytes and the server serves JSON (nothing is sent)
   */
  emit<K extends NameOf<PushesOf<C>>>(event: K, data: PushesOf<C>[K]): number;
}

function asServerConnections(conns: readonly Connection[]): ServerConnection[] {
  return conns.filter((c): c is ServerConnection => c instanceof ServerConnection);
}

/** The operator behind `server.to()`. */
export class RoomBroadcast implements BroadcastOperator {
  readonly #publisher: Publisher;
  readonly #rooms: readonly string[];
  readonly #except: readonly ServerConnection[];

  constructor(publisher: Publisher, rooms: readonly string[], except: readonly ServerConnection[] = []) {
    this.#publisher = publisher;
    this.#rooms = rooms;
    this.#except = except;
  }

  to(room: string): BroadcastOperator {
    return this.#rooms.includes(room) ? this : new RoomBroadcast(this.#publisher, [...this.#rooms, room], this.#except);
  }

  except(conn: Connection | readonly Connection[]): BroadcastOperator {
    const added = asServerConnections(Array.isArray(conn) ? conn : [conn as Connection]);
    return new RoomBroadcast(this.#publisher, this.#rooms, [...new Set([...this.#except, ...added])]);
  }

  emit(event: string, data: unknown, options: EmitOptions = {}): number {
    this.#publisher.checkEmitData(data);
    const live = this.#except.filter((c) => !c.closed);
    // The common case is one topic publish per wire format (sender-excluding when one connection is
    // left out); several exclusions cannot be expressed with a topic and go member by member.
    const except = live.length <= 1 ? live[0] : new Set(live);
    if (this.#rooms.length === 1) {
      return this.#publisher.toRoom(this.#rooms[0] as string, event, data, { except, key: options.key }).recipients;
    }
    // Several rooms: a member of more than one gets the message once, from the first of them it
    // is in (as Socket.IO does). Members of earlier rooms are excluded from the later ones.
    const covered = new Set<ServerConnection>(live);
    let delivered = 0;
    for (const room of this.#rooms) {
      const skip = covered.size === 0 ? undefined : covered.size === 1 ? [...covered][0] : new Set(covered);
      delivered += this.#publisher.toRoom(room, event, data, { except: skip, key: options.key }).recipients;
      for (const member of this.#publisher.localMembers(room)) covered.add(member);
    }
    return delivered;
  }
}

/** The operator behind `server.toUser()`. */
export class UserBroadcast implements UserOperator {
  readonly #publisher: Publisher;
  readonly #userId: string;

  constructor(publisher: Publisher, userId: string) {
    this.#publisher = publisher;
    this.#userId = userId;
  }

  emit(event: string, data: unknown): number {
    this.#publisher.checkEmitData(data);
    return this.#publisher.toUser(this.#userId, event, data);
  }
}
