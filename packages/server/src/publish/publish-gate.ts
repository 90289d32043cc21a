import { ErrorCode, type PublishEnvelope } from '@switchyard/protocol';
import type { RoomPolicies } from '../protection/room-policy.js';
import type { ServerConnection } from '../session/connection.js';
import { ClaimMatchers, type RoomMatcher } from '../rooms/authorize.js';
import { findBinary } from './binary-data.js';

/** Why a client publish was refused: the code and message of its error reply. */
export interface PublishRefusal {
  readonly code: typeof ErrorCode.FORBIDDEN | typeof ErrorCode.BAD_REQUEST;
  readonly message: string;
}

const allowNone: RoomMatcher = () => false;

/**
 * What a client publish must pass before the `rooms` claim and the authorize hooks have their say.
 * Client publishing is opt-in, so no member can pass itself off as the server: a room policy with
 * `clientPublish: true` opens the room to every member, and a token's `publish` claim (room
 * patterns, as in `rooms`) opens the rooms it names to that token's holder. And on a server that
 * serves JSON, a msgpack client's binary data is refused: JSON members could not receive it.
 */
export class PublishGate {
  readonly #policies: RoomPolicies;
  readonly #servesJson: boolean;
  // A token without a `publish` claim opens no room to its publishes.
  readonly #matchers = new ClaimMatchers<ServerConnection>(allowNone);

  constructor(policies: RoomPolicies, servesJson: boolean) {
    this.#policies = policies;
    this.#servesJson = servesJson;
  }

  /** Why `conn` may not publish `envelope`, or undefined when it may. */
  check(conn: ServerConnection, envelope: PublishEnvelope): PublishRefusal | undefined {
    const { room } = envelope;
    if (!this.#policies.resolve(room).clientPublish && !this.#claimMatcher(conn)(room)) {
      return {
        code: ErrorCode.FORBIDDEN,
        message: `clients may not publish to '${room}': neither its room policy (clientPublish) nor the token's publish claim allows it`,
      };
    }
    // Only a binary codec decodes bytes; JSON clients' data never holds any.
    if (this.#servesJson && conn.codecImpl.binary) {
      const path = findBinary(envelope.data);
      if (path !== undefined) {
        return {
          code: ErrorCode.BAD_REQUEST,
          message: `${path} is binary data, which this server's JSON members cannot receive: send it as text`,
        };
      }
    }
    return undefined;
  }

  #claimMatcher(conn: ServerConnection): RoomMatcher {
    // The verifier refused tokens whose `publish` is not an array of strings.
    return this.#matchers.of(conn, conn.claims['publish'] as readonly string[] | undefined);
  }
}
