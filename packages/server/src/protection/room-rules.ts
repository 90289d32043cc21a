import { ErrorCode } from '@switchyard/protocol';

/**
 * Characters allowed in a room name: ASCII letters and digits plus `_ - : . @ /`.
 * Room names become uWS topics and appear in logs and URLs (`/v1/rooms/:room/presence`), so
 * whitespace, control characters, wildcards (`*`, `+`, `#`), quotes and `%` are refused.
 * `/` is allowed for hierarchical names (`org/42/chat`); URL-encode it in HTTP API paths.
 */
export const ROOM_NAME_PATTERN = /^[A-Za-z0-9_\-:.@/]+$/;

/** Why a join was refused. */
export interface RoomRuleViolation {
  /** `BAD_REQUEST` for an invalid name, `LIMIT_EXCEEDED` for too many rooms. */
  readonly code: typeof ErrorCode.BAD_REQUEST | typeof ErrorCode.LIMIT_EXCEEDED;
  readonly message: string;
}

/** Settings of {@link RoomRules}; mirrors `LimitOptions`. */
export interface RoomRuleSettings {
  /** Longest room name, characters. */
  readonly maxRoomNameLength: number;
  /** Rooms one connection may be in (0: unlimited). */
  readonly maxRoomsPerConnection: number;
}

/** Room name and room count checks, applied at join (and to every room named by the HTTP API). */
export class RoomRules {
  readonly #maxLength: number;
  readonly #maxRooms: number;

  constructor(settings: RoomRuleSettings) {
    this.#maxLength = settings.maxRoomNameLength;
    this.#maxRooms = settings.maxRoomsPerConnection;
  }

  /** Checks a room name; `undefined` when it is acceptable. */
  checkName(room: unknown): RoomRuleViolation | undefined {
    if (typeof room !== 'string' || room.length === 0) {
      return { code: ErrorCode.BAD_REQUEST, message: 'room must be a non-empty string' };
    }
    if (room.length > this.#maxLength) {
      return { code: ErrorCode.BAD_REQUEST, message: `room name longer than ${this.#maxLength} characters` };
    }
    if (!ROOM_NAME_PATTERN.test(room)) {
      return { code: ErrorCode.BAD_REQUEST, message: 'room name may only contain A-Z a-z 0-9 _ - : . @ /' };
    }
    return undefined;
  }

  /**
   * Checks a join by a connection currently in `joinedCount` rooms. Joining a room the connection
   * is already in never counts against the limit.
   */
  checkJoin(room: unknown, joinedCount: number, alreadyMember = false): RoomRuleViolation | undefined {
    const bad = this.checkName(room);
    if (bad !== undefined || alreadyMember) return bad;
    if (this.#maxRooms > 0 && joinedCount >= this.#maxRooms) {
      return { code: ErrorCode.LIMIT_EXCEEDED, message: `a connection may be in at most ${this.#maxRooms} rooms` };
    }
    return undefined;
  }
}
