import type { Codec } from '@switchyard/protocol';

/** A wire format: a codec at a protocol version (`json` v1, `msgpack` v2, ...). */
export type WireFormat = Pick<Codec, 'name' | 'version'>;

// One room is one uWS topic per wire format, so a publish is encoded once per format in use and
// each subscriber receives bytes in its own codec and protocol version (v1 and v2 differ in the
// push encoding). Presence changes go to a second topic per format that only members who asked
// for presence subscribe to. Indexed by protocol version - 1.
const ROOM_PREFIX = { json: ['j:', 'j2:'], msgpack: ['m:', 'm2:'] } as const;
const PRESENCE_PREFIX = { json: ['jp:', 'j2p:'], msgpack: ['mp:', 'm2p:'] } as const;
// Members that read member counts (a join with `presenceCount`) also subscribe to a third.
const COUNT_PREFIX = { json: ['jpc:', 'j2pc:'], msgpack: ['mpc:', 'm2pc:'] } as const;

/** The transport topic carrying a room's messages for one wire format. */
export function roomTopic(format: WireFormat, room: string): string {
  return ROOM_PREFIX[format.name][format.version - 1] + room;
}

/** The transport topic carrying a room's presence changes for one wire format. */
export function presenceTopic(format: WireFormat, room: string): string {
  return PRESENCE_PREFIX[format.name][format.version - 1] + room;
}

/** The transport topic carrying a room's member counts (above the presence notice limit) for one wire format. */
export function presenceCountTopic(format: WireFormat, room: string): string {
  return COUNT_PREFIX[format.name][format.version - 1] + room;
}
