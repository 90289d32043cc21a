import { describe, expect, it } from 'vitest';
import { RoomRegistry } from './rooms.js';

const member = (userId: string) => ({ userId });

describe('RoomRegistry', () => {
  it('counts connections per user and reports first join and last leave', () => {
    const rooms = new RoomRegistry<{ userId: string }>();
    const a1 = member('a');
    const a2 = member('a');
    const b = member('b');
    expect(rooms.add('r', a1)).toEqual({ firstForUser: true, connections: 1, firstInRoom: true });
    expect(rooms.add('r', a2)).toEqual({ firstForUser: false, connections: 2, firstInRoom: false });
    expect(rooms.add('r', a2)).toBeUndefined();
    rooms.add('r', b);
    expect(rooms.presence('r')).toEqual({
      room: 'r',
      members: [
        { userId: 'a', connections: 2 },
        { userId: 'b', connections: 1 },
      ],
    });
    expect(rooms.subscriptions).toBe(3);
    expect(rooms.userCount('r')).toBe(2);
    expect(rooms.remove('r', a1)).toEqual({ lastForUser: false, connections: 1, lastInRoom: false });
    expect(rooms.remove('r', a1)).toBeUndefined();
    expect(rooms.remove('r', a2)).toEqual({ lastForUser: true, connections: 0, lastInRoom: false });
    expect(rooms.list()).toEqual([{ room: 'r', members: 1 }]);
    expect(rooms.remove('r', b)).toEqual({ lastForUser: true, connections: 0, lastInRoom: true });
    expect(rooms.size).toBe(0);
    expect(rooms.presence('r')).toEqual({ room: 'r', members: [] });
  });
});
