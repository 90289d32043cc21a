import { describe, expect, it } from 'vitest';
import { hasRoom, roomCount, roomList, withRoom, withoutRoom, type RoomSet } from './room-set.js';

describe('room set', () => {
  it('is nothing, then a name, then a Set, and back', () => {
    let rooms: RoomSet = undefined;
    expect(roomCount(rooms)).toBe(0);
    rooms = withRoom(rooms, 'a');
    expect(rooms).toBe('a');
    expect(withRoom(rooms, 'a')).toBe('a');
    rooms = withRoom(rooms, 'b');
    expect(rooms).toBeInstanceOf(Set);
    expect([roomCount(rooms), hasRoom(rooms, 'b'), hasRoom(rooms, 'c')]).toEqual([2, true, false]);
    const back = withoutRoom(rooms, 'a');
    expect(back).toBe('b');
    expect(withoutRoom('b', 'b')).toBeUndefined();
  });

  it('answers false when removing a room that is not there', () => {
    expect(withoutRoom(undefined, 'a')).toBe(false);
    expect(withoutRoom('b', 'a')).toBe(false);
    expect(withoutRoom(new Set(['b', 'c']), 'a')).toBe(false);
  });

  it('lists the rooms as a new array', () => {
    const rooms = new Set(['a', 'b']);
    const list = roomList(rooms);
    list.pop();
    expect(roomList(rooms)).toEqual(['a', 'b']);
    expect(roomList('a')).toEqual(['a']);
    expect(roomList(undefined)).toEqual([]);
  });
});
