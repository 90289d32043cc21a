/**
 * A connection's rooms, kept as small as the common cases allow: nothing while it is in no room,
 * the name alone while it is in one (no collection at all), a Set from the second. The functions
 * take and return the value; the connection stores it in a field of its own, so the encoding costs
 * no object per connection.
 */
export type RoomSet = string | Set<string> | undefined;

/** Number of rooms in `rooms`. */
export function roomCount(rooms: RoomSet): number {
  return rooms === undefined ? 0 : typeof rooms === 'string' ? 1 : rooms.size;
}

/** True when `room` is in `rooms`. */
export function hasRoom(rooms: RoomSet, room: string): boolean {
  return typeof rooms === 'string' ? rooms === room : rooms !== undefined && rooms.has(room);
}

/** The rooms as a new array (safe to leave rooms while walking it). */
export function roomList(rooms: RoomSet): string[] {
  return rooms === undefined ? [] : typeof rooms === 'string' ? [rooms] : [...rooms];
}

/** `rooms` with `room` added (the same Set, grown, from the second room on). */
export function withRoom(rooms: RoomSet, room: string): RoomSet {
  if (rooms === undefined) return room;
  if (typeof rooms === 'string') return rooms === room ? rooms : new Set([rooms, room]);
  rooms.add(room);
  return rooms;
}

/** `rooms` without `room`, or `false` when `room` was not in it. */
export function withoutRoom(rooms: RoomSet, room: string): RoomSet | false {
  if (rooms === undefined) return false;
  if (typeof rooms === 'string') return rooms === room ? undefined : false;
  if (!rooms.delete(room)) return false;
  // Back to one room: keep its name, drop the Set.
  return rooms.size === 1 ? rooms.values().next().value : rooms;
}
