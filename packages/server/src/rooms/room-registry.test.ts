import { describe, expect, it } from 'vitest';
import { RoomRegistry } from './room-registry.js';

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

  it('keeps a room through one member, two, and back to one, with the same answers in each shape', () => {
    const rooms = new RoomRegistry<{ userId: string }>();
    const a = member('a');
    const b = member('b');
    expect(rooms.add('r', a)).toEqual({ firstForUser: true, connections: 1, firstInRoom: true });
    expect(rooms.add('r', a)).toBeUndefined();
    expect(rooms.has('r', a)).toBe(true);
    expect(rooms.has('r', b)).toBe(false);
    expect([...rooms.members('r')]).toEqual([a]);
    expect(rooms.memberCount('r')).toBe(1);
    expect(rooms.userCount('r')).toBe(1);
    expect(rooms.presence('r').members).toEqual([{ userId: 'a', connections: 1 }]);
    expect(rooms.usersByRoom()).toEqual(new Map([['r', new Map([['a', 1]])]]));
    expect(rooms.remove('r', b)).toBeUndefined();

    expect(rooms.add('r', b)).toEqual({ firstForUser: true, connections: 1, firstInRoom: false });
    expect([...rooms.members('r')].sort((x, y) => x.userId.localeCompare(y.userId))).toEqual([a, b]);
    expect(rooms.memberCount('r')).toBe(2);
    expect(rooms.list()).toEqual([{ room: 'r', members: 2 }]);

    expect(rooms.remove('r', a)).toEqual({ lastForUser: true, connections: 0, lastInRoom: false });
    expect(rooms.has('r', a)).toBe(false);
    expect(rooms.has('r', b)).toBe(true);
    expect([...rooms.members('r')]).toEqual([b]);
    expect(rooms.userCount('r')).toBe(1);
    expect(rooms.presence('r').members).toEqual([{ userId: 'b', connections: 1 }]);
    expect(rooms.subscriptions).toBe(1);
    expect(rooms.add('r', b)).toBeUndefined();
    expect(rooms.remove('r', b)).toEqual({ lastForUser: true, connections: 0, lastInRoom: true });
    expect(rooms.size).toBe(0);
    expect(rooms.memberCount('r')).toBe(0);
    expect([...rooms.members('r')]).toEqual([]);
    expect(rooms.subscriptions).toBe(0);
  });
});
