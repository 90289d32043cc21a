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
 *
 * The messages are declared in wire-types.ts, the fields written and read in wire-fields.ts.
 */
import { FieldReader, FieldWriter, u32Bytes } from './wire-fields.js';
import {
  WIRE_VERSION,
  WireError,
  WireErrorCode,
  WireFormatCode,
  WireKind,
  type ClusterMessage,
  type EncodableClusterMessage,
  type PresenceMessage,
  type PushMessage,
} from './wire-types.js';

// Importers see one module: the messages and errors, and their codec.
export * from './wire-types.js';

const CHANGE_CODES = { join: 1, leave: 2 } as const;
const EMPTY = new Uint8Array(0);

function checkUint(value: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new RangeError(`${name} must be an integer in 0..${max}`);
  return value;
}

/**
 * Encodes a message. The frame is copied once, into the returned buffer.
 * @throws RangeError for a number out of its field's range (a caller bug, not input)
 */
export function encodeClusterMessage(message: EncodableClusterMessage): Uint8Array {
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
    case WireKind.push:
      return readPush(r);
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
    case WireKind.presence:
      return readPresence(r);
    case WireKind.mark: {
      const origin = r.string();
      return { kind: 'mark', origin, token: r.string() };
    }
    default:
      return undefined;
  }
}

function readPush(r: FieldReader): PushMessage {
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

function readPresence(r: FieldReader): PresenceMessage {
  const origin = r.string();
  const room = r.string();
  const changeCode = r.uint(1, 'change');
  const change = changeCode === CHANGE_CODES.join ? 'join' : changeCode === CHANGE_CODES.leave ? 'leave' : undefined;
  if (change === undefined) throw new WireError(WireErrorCode.INVALID_FIELD, `unknown presence change ${changeCode}`);
  const userId = r.string();
  return { kind: 'presence', origin, room, change, userId, connections: r.uint(4, 'connections') };
}
