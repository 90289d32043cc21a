import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTextSize, toBytes, utf8Length } from './frame-size.js';

describe('frame size', () => {
  it('counts UTF-8 bytes exactly, lone surrogates as 3 bytes like TextEncoder', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)) }),
        (a, b) => {
          expect(utf8Length(a)).toBe(Buffer.byteLength(a, 'utf8'));
          expect(utf8Length(b)).toBe(new TextEncoder().encode(b).byteLength);
        },
      ),
    );
  });

  it('checks text frames against the limit in bytes', () => {
    expect(() => checkTextSize('a'.repeat(10), 10)).not.toThrow();
    expect(() => checkTextSize('€'.repeat(4), 12)).not.toThrow();
    expect(() => checkTextSize('€'.repeat(4), 11)).toThrow(/exceeds/);
    expect(() => checkTextSize('a'.repeat(11), 10)).toThrow(/exceeds/);
    expect(() => checkTextSize('a'.repeat(1_000), 0)).not.toThrow();
  });

  it('views Buffers and ArrayBuffers as plain Uint8Arrays without copying', () => {
    const buffer = Buffer.from([1, 2, 3, 4]).subarray(1, 3);
    const view = toBytes(buffer);
    expect(view.constructor).toBe(Uint8Array);
    expect(view.buffer).toBe(buffer.buffer);
    expect([...view]).toEqual([2, 3]);
    const arrayBuffer = new ArrayBuffer(2);
    expect(toBytes(arrayBuffer).buffer).toBe(arrayBuffer);
  });
});
