import type { CodecName } from '@switchyard/protocol';

// One room is one uWS topic per codec, so a publish is encoded once per codec in use and each
// subscriber receives bytes in its own codec. Presence changes go to a second topic per codec
// that only members who asked for presence subscribe to.
const ROOM_PREFIX: Readonly<Record<CodecName, string>> = { json: 'j:', msgpack: 'm:' };
const PRESENCE_PREFIX: Readonly<Record<CodecName, string>> = { json: 'jp:', msgpack: 'mp:' };

/** The transport topic carrying a room's messages for one codec. */
export function roomTopic(codec: CodecName, room: string): string {
  return ROOM_PREFIX[codec] + room;
}

/** The transport topic carrying a room's presence changes for one codec. */
export function presenceTopic(codec: CodecName, room: string): string {
  return PRESENCE_PREFIX[codec] + room;
}
