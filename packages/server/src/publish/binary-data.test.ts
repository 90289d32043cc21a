import { describe, expect, it } from 'vitest';
import { BinaryDataError, findBinary, refuseBinary } from './binary-data.js';

describe('findBinary', () => {
  it('finds bytes anywhere and names where they are', () => {
    expect(findBinary(new Uint8Array(1))).toBe('data');
    expect(findBinary({ a: 1, b: { c: [1, 'x', Buffer.from('y')] } })).toBe('data.b.c[2]');
    expect(findBinary([new ArrayBuffer(2)])).toBe('data[0]');
    expect(findBinary({ view: new DataView(new ArrayBuffer(1)) })).toBe('data.view');
  });

  it('finds none in plain data, and ends on cycles', () => {
    expect(findBinary({ text: 'hi', n: [1, null, { ok: true }] })).toBeUndefined();
    expect(findBinary('text')).toBeUndefined();
    const cycle: Record<string, unknown> = { a: 1 };
    cycle['self'] = cycle;
    expect(findBinary(cycle)).toBeUndefined();
  });

  it('refuseBinary throws a BinaryDataError with the path', () => {
    expect(() => refuseBinary({ avatar: new Uint8Array(3) })).toThrow(BinaryDataError);
    try {
      refuseBinary({ avatar: new Uint8Array(3) });
    } catch (err) {
      expect(err).toMatchObject({ name: 'BinaryDataError', path: 'data.avatar' });
      expect(err).toBeInstanceOf(TypeError);
    }
  });
});
