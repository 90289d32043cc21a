/**
 * The inter-node message format: what one node tells the others through the broker.
 *
 * ```
 * message = version:u8 (= 1) kind:u8 field*
 * field   = length:varint bytes        (unsigned LEB128, at most 5 bytes, below 2^32)
 * ```
 * Strings are UTF-8; integers are big-endian with the width given per field; an optional field is
 * present with length 0 when absent. Compatibility rules, so nodes of two adjacent releases run
 * side by side during a rolling upgrade: a release may add kinds (older decoders skip them) and
 * append fields to a kind (older decoders ignore trailing fields); anything else bumps the version,
 * which older decoders refuse. Decoding never copies a frame: it returns views into the input.
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

const FORMAT_NAMES: readonly (WireFormatName | undefined)[] = [undefined, 'json1', 'json2', 'msgpack1', 'msgpack2'];

/** A room message: the encoded frame, ready to publish to local members. */
export interface PushMessage {
  readonly kind: 'push';
  readonly origin: string;
  readonly room: string;
  readonly format: WireFormatName;
  /** The frame; a string is written as its UTF-8 bytes (a JSON frame), and decodes as bytes. */
  readonly frame: Uint8Array | string;
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
  /** The frame; a string is written as its UTF-8 bytes. */
  readonly frame: Uint8Array | string;
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

/** Why bytes were refused by {@link decodeClusterMessage}. */
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

const CHANGE_CODES = { join: 1, leave: 2 } as const;
const EMPTY = new Uint8Array(0);

function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** Accumulates fields, then writes them into one buffer: every byte is copied exactly once. */
class FieldWriter {
  readonly #parts: (string | Uint8Array)[] = [];
  readonly #sizes: number[] = [];
  #total = 2;

  string(value: string): this {
    return this.#add(value, Buffer.byteLength(value, 'utf8'));
  }
  bytes(value: Uint8Array): this {
    return this.#add(value, value.byteLength);
  }
  /** Optional trailing fields: written only when present. */
  append(values: readonly string[] | undefined): this {
    if (values !== undefined) for (const value of values) this.string(value);
    return this;
  }
  frame(value: Uint8Array | string): this {
    return typeof value === 'string' ? this.string(value) : this.bytes(value);
  }
  u8(value: number): this {
    return this.bytes(Uint8Array.of(value));
  }
  u16(value: number): this {
    return this.bytes(Uint8Array.of(value >>> 8, value & 0xff));
  }
  u32(value: number): this {
    return this.bytes(u32Bytes(value));
  }
  #add(part: string | Uint8Array, size: number): this {
    this.#parts.push(part);
    this.#sizes.push(size);
    this.#total += varintSize(size) + size;
    return this;
  }
  finish(kind: WireKind): Uint8Array {
    const out = Buffer.allocUnsafe(this.#total);
    out[0] = WIRE_VERSION;
    out[1] = WireKind[kind];
    let offset = 2;
    for (let i = 0; i < this.#parts.length; i++) {
      let size = this.#sizes[i]!;
      while (size >= 0x80) {
        out[offset++] = (size & 0x7f) | 0x80;
        size = Math.floor(size / 128);
      }
      out[offset++] = size;
      const part = this.#parts[i]!;
      offset += typeof part === 'string' ? out.write(part, offset, 'utf8') : (out.set(part, offset), part.byteLength);
    }
    return out;
  }
}

function u32Bytes(value: number): Uint8Array {
  return Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}

function checkUint(value: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new RangeError(`${name} must be an integer in 0..${max}`);
  return value;
}

/**
 * Encodes a message. The frame is copied once, into the returned buffer.
 * @throws RangeError for a number out of its field's range (a caller bug, not input)
 */
export function encodeClusterMessage(message: ClusterMessage): Uint8Array {
  const w = new FieldWriter().string(message.origin);
  switch (message.kind) {
    case 'push':
      return w
        .string(message.room)
        .u8(WireFormatCode[message.format])
        .frame(message.frame)
        .string(message.except ?? '')
        .string(message.key ?? '')
        .append(message.offset === undefined ? undefined : [String(message.offset), message.epoch ?? ''])
        .finish('push');
    case 'gap':
      return w
        .string(message.room)
        .bytes(message.missed === undefined ? EMPTY : u32Bytes(checkUint(message.missed, 0xffffffff, 'missed')))
        .finish('gap');
    case 'user-push':
      return w.string(message.userId).u8(WireFormatCode[message.format]).frame(message.frame).finish('user-push');
    case 'disconnect-user':
      return w
        .string(message.userId)
        .u16(checkUint(message.code, 0xffff, 'code'))
        .finish('disconnect-user');
    case 'mark':
      return w.string(message.token).finish('mark');
    case 'presence':
      return w
        .string(message.room)
        .u8(CHANGE_CODES[message.change])
        .string(message.userId)
        .u32(checkUint(message.connections, 0xffffffff, 'connections'))
        .finish('presence');
  }
}

/** Reads fields off a message, bounds-checked; every failure is a {@link WireError}. */
class FieldReader {
  readonly #bytes: Uint8Array;
  readonly #text: Buffer;
  #offset = 2;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  /** Start and end of the next field's bytes. */
  #next(): number {
    const bytes = this.#bytes;
    let size = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (this.#offset >= bytes.byteLength) throw new WireError(WireErrorCode.TRUNCATED, 'message ends inside a field');
      if (i === 5) throw new WireError(WireErrorCode.BAD_LENGTH, 'field length longer than 5 bytes');
      const byte = bytes[this.#offset++]!;
      size += (byte & 0x7f) * scale;
      scale *= 128;
      if (byte < 0x80) break;
    }
    if (size > 0xffffffff) throw new WireError(WireErrorCode.BAD_LENGTH, 'field length above 2^32 - 1');
    if (size > bytes.byteLength - this.#offset) {
      throw new WireError(WireErrorCode.TRUNCATED, 'field longer than the message');
    }
    this.#offset += size;
    return size;
  }
  /** True while fields remain (fields appended by a newer release of the same version are optional). */
  more(): boolean {
    return this.#offset < this.#bytes.byteLength;
  }
  string(): string {
    const size = this.#next();
    return this.#text.toString('utf8', this.#offset - size, this.#offset);
  }
  /** A non-negative integer written as decimal digits (the Lua engine writes offsets this way). */
  decimal(name: string): number {
    const text = this.string();
    const value = /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value)) throw new WireError(WireErrorCode.INVALID_FIELD, `${name} is not an integer`);
    return value;
  }
  bytes(): Uint8Array {
    const size = this.#next();
    return this.#bytes.subarray(this.#offset - size, this.#offset);
  }
  uint(width: 1 | 2 | 4, name: string): number {
    const value = this.optionalUint(width, name);
    if (value === undefined) throw new WireError(WireErrorCode.INVALID_FIELD, `${name} is missing`);
    return value;
  }
  optionalUint(width: 1 | 2 | 4, name: string): number | undefined {
    const size = this.#next();
    if (size === 0) return undefined;
    if (size !== width) throw new WireError(WireErrorCode.INVALID_FIELD, `${name} must be ${width} bytes`);
    let value = 0;
    for (let i = this.#offset - size; i < this.#offset; i++) value = value * 256 + this.#bytes[i]!;
    return value;
  }
  format(): WireFormatName {
    const code = this.uint(1, 'format');
    const format = FORMAT_NAMES[code];
    if (format === undefined) throw new WireError(WireErrorCode.INVALID_FIELD, `unknown wire format ${code}`);
    return format;
  }
}

/**
 * Decodes a message. Returns `undefined` for a kind this release does not know (a newer node
 * sent it; skip it). Fields after the known ones are ignored. `frame` is a view into `bytes`.
 * @throws WireError for anything malformed, and nothing else
 */
export function decodeClusterMessage(bytes: Uint8Array): ClusterMessage | undefined {
  if (bytes.byteLength < 2) throw new WireError(WireErrorCode.TRUNCATED, 'message shorter than its header');
  if (bytes[0] !== WIRE_VERSION) {
    throw new WireError(WireErrorCode.UNSUPPORTED_VERSION, `unsupported wire version ${bytes[0]}`);
  }
  const r = new FieldReader(bytes);
  switch (bytes[1]) {
    case WireKind.push: {
      const origin = r.string();
      const room = r.string();
      const format = r.format();
      const frame = r.bytes();
      const except = r.string();
      const key = r.more() ? r.string() : '';
      const position = r.more() ? { offset: r.decimal('offset'), epoch: r.string() } : undefined;
      if (position !== undefined && position.epoch === '') {
        throw new WireError(WireErrorCode.INVALID_FIELD, 'a push with an offset needs an epoch');
      }
      return {
        kind: 'push',
        origin,
        room,
        format,
        frame,
        ...(except === '' ? {} : { except }),
        ...(key === '' ? {} : { key }),
        ...position,
      };
    }
    case WireKind.gap: {
      const origin = r.string();
      const room = r.string();
      const missed = r.optionalUint(4, 'missed');
      return missed === undefined ? { kind: 'gap', origin, room } : { kind: 'gap', origin, room, missed };
    }
    case WireKind['user-push']: {
      const origin = r.string();
      const userId = r.string();
      const format = r.format();
      return { kind: 'user-push', origin, userId, format, frame: r.bytes() };
    }
    case WireKind['disconnect-user']: {
      const origin = r.string();
      const userId = r.string();
      return { kind: 'disconnect-user', origin, userId, code: r.uint(2, 'code') };
    }
    case WireKind.presence: {
      const origin = r.string();
      const room = r.string();
      const changeCode = r.uint(1, 'change');
      const change =
        changeCode === CHANGE_CODES.join ? 'join' : changeCode === CHANGE_CODES.leave ? 'leave' : undefined;
      if (change === undefined)
        throw new WireError(WireErrorCode.INVALID_FIELD, `unknown presence change ${changeCode}`);
      const userId = r.string();
      return { kind: 'presence', origin, room, change, userId, connections: r.uint(4, 'connections') };
    }
    case WireKind.mark: {
      const origin = r.string();
      return { kind: 'mark', origin, token: r.string() };
    }
    default:
      return undefined;
  }
}
