import { ErrorCode } from '@switchyard/protocol';
import { describe, expect, it } from 'vitest';
import { RoomRules } from './room-rules.js';

const rules = new RoomRules({ maxRoomNameLength: 16, maxRoomsPerConnection: 2 });

describe('RoomRules', () => {
  it.each(['chat', 'ticker:BTC-USD', 'org/42/chat', 'user@example.com', 'a_b.c', 'x'.repeat(16)])(
    'accepts %s',
    (room) => {
      expect(rules.checkName(room)).toBeUndefined();
    },
  );

  it.each([
    ['', 'empty'],
    ['x'.repeat(17), 'too long'],
    ['has space', 'space'],
    ['wild*', 'wildcard'],
    ['a+b', 'mqtt wildcard'],
    ['a#b', 'mqtt wildcard'],
    ['tab\there', 'control'],
    ['per%20cent', 'percent'],
    ['émoji', 'non-ASCII'],
    ['quo"te', 'quote'],
  ])('refuses %j (%s) with BAD_REQUEST', (room) => {
    expect(rules.checkName(room)?.code).toBe(ErrorCode.BAD_REQUEST);
  });

  it('refuses non-strings', () => {
    expect(rules.checkName(42)?.code).toBe(ErrorCode.BAD_REQUEST);
    expect(rules.checkName(undefined)?.code).toBe(ErrorCode.BAD_REQUEST);
  });

  it('caps rooms per connection with LIMIT_EXCEEDED, re-joins do not count', () => {
    expect(rules.checkJoin('a', 0)).toBeUndefined();
    expect(rules.checkJoin('b', 1)).toBeUndefined();
    expect(rules.checkJoin('c', 2)?.code).toBe(ErrorCode.LIMIT_EXCEEDED);
    expect(rules.checkJoin('a', 2, true)).toBeUndefined();
  });

  it('a bad name is BAD_REQUEST even at the room limit', () => {
    expect(rules.checkJoin('bad name', 2)?.code).toBe(ErrorCode.BAD_REQUEST);
  });

  it('0 rooms per connection means unlimited', () => {
    const open = new RoomRules({ maxRoomNameLength: 8, maxRoomsPerConnection: 0 });
    expect(open.checkJoin('a', 1_000_000)).toBeUndefined();
  });
});
