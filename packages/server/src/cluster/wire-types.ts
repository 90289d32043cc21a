/**
 * The inter-node messages and their errors: what one node tells the others through the broker.
 * The format itself, and its compatibility rules, are described in wire.ts.
 */

/** Version written in every message's first byte. */
export const WIRE_VERSION = 1;

/** Message kinds and their codes (the second byte). */
export const WireKind = {
  push: 1,
  gap: 2,
  'user-push': 3,
  'disconnect-user': 4,
  presence: 5,
  mark: 6,
} as const;
/** A message kind. */
export type WireKind = keyof typeof WireKind;

/** Wire formats a frame can be encoded in: codec and protocol version, as clients negotiate them. */
export const WireFormatCode = { json1: 1, json2: 2, msgpack1: 3, msgpack2: 4 } as const;
/** A frame's wire format. */
export type WireFormatName = keyof typeof WireFormatCode;

/** A room message: the encoded frame, ready to publish to local members. */
export interface PushMessage {
  readonly kind: 'push';
  readonly origin: string;
  readonly room: string;
  readonly format: WireFormatName;
  readonly frame: Uint8Array;
  /** The publisher's own connection, which must not receive the frame. */
  readonly except?: string;
  /** Conflation key for rooms with the `latest` slow-consumer policy (a field appended in the same version). */
  readonly key?: string;
  /**
   * In a room with history: the message's offset and epoch, appended by the engine that gave them
   * (the frame then carries no position; every node adds it). Appended fields of the same version.
   */
  readonly offset?: number;
  readonly epoch?: string;
}
/** Messages for a room may have been lost (the origin's link to the engine dropped). */
export interface GapMessage {
  readonly kind: 'gap';
  readonly origin: string;
  readonly room: string;
  /** How many messages, when the origin knows. */
  readonly missed?: number;
}
/** A frame for every connection of one user. */
export interface UserPushMessage {
  readonly kind: 'user-push';
  readonly origin: string;
  readonly userId: string;
  readonly format: WireFormatName;
  readonly frame: Uint8Array;
}
/** Close every connection of one user. */
export interface DisconnectUserMessage {
  readonly kind: 'disconnect-user';
  readonly origin: string;
  readonly userId: string;
  /** WebSocket close code. */
  readonly code: number;
}
/** A user's presence in a room changed on the origin node. */
export interface PresenceMessage {
  readonly kind: 'presence';
  readonly origin: string;
  readonly room: string;
  readonly change: 'join' | 'leave';
  readonly userId: string;
  /** The user's connections in the room, cluster-wide, after the change. */
  readonly connections: number;
}
/**
 * A marker a node publishes on a room's channel right after reading the room's history: when it
 * comes back, every earlier message of the room has reached the node.
 */
export interface MarkMessage {
  readonly kind: 'mark';
  readonly origin: string;
  readonly token: string;
}
/** Any message nodes exchange. */
export type ClusterMessage =
  PushMessage | GapMessage | UserPushMessage | DisconnectUserMessage | PresenceMessage | MarkMessage;

/** A message to encode: frames may also be strings (JSON frames), written as their UTF-8 bytes. */
export type EncodableClusterMessage = ClusterMessage extends infer M
  ? M extends { readonly frame: Uint8Array }
    ? Omit<M, 'frame'> & { readonly frame: Uint8Array | string }
    : M
  : never;

/** Why bytes were refused by `decodeClusterMessage` (wire.ts). */
export const WireErrorCode = {
  /** The input ends inside the header or a field. */
  TRUNCATED: 'TRUNCATED',
  /** The first byte names a version this release does not speak. */
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  /** A length prefix is malformed or larger than 2^32 - 1. */
  BAD_LENGTH: 'BAD_LENGTH',
  /** A field has the wrong size or an unknown value. */
  INVALID_FIELD: 'INVALID_FIELD',
} as const;
/** A wire error code. */
export type WireErrorCode = (typeof WireErrorCode)[keyof typeof WireErrorCode];

/** Inter-node bytes that are not a valid message. The only error the decoder throws. */
export class WireError extends Error {
  override readonly name = 'WireError';
  readonly code: WireErrorCode;
  constructor(code: WireErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
