import { describe, expect, it } from 'vitest';
import { BodyCollector } from './body-collector.js';

describe('BodyCollector', () => {
  it('joins chunks and copies them (the caller may reuse its buffer)', () => {
    const c = new BodyCollector(10);
    const reused = new Uint8Array([1, 2, 3]);
    expect(c.push(reused.buffer)).toBe(true);
    reused.set([9, 9, 9]);
    expect(c.push(new Uint8Array([4, 5]))).toBe(true);
    expect([...c.bytes()]).toEqual([1, 2, 3, 4, 5]);
  });

  it('accepts exactly the limit, refuses one byte more and then keeps nothing', () => {
    const c = new BodyCollector(4);
    expect(c.push(new Uint8Array(4))).toBe(true);
    expect(c.overflowed).toBe(false);
    expect(c.push(new Uint8Array(1))).toBe(false);
    expect(c.overflowed).toBe(true);
    expect(c.push(new Uint8Array(1))).toBe(false);
    expect(() => c.bytes()).toThrow(RangeError);
  });
});
