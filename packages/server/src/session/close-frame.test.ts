import { describe, expect, it } from 'vitest';
import {
  MAX_CLOSE_REASON_BYTES,
  assertSendableCloseCode,
  closeFrameReason,
  isSendableCloseCode,
} from './close-frame.js';

describe('close frame', () => {
  it('accepts the codes an endpoint may send and refuses the reserved ones', () => {
    expect([1000, 1001, 1008, 1011, 1014, 3000, 4999].every(isSendableCloseCode)).toBe(true);
    expect([999, 1004, 1005, 1006, 1015, 2999, 5000, 4000.5].some(isSendableCloseCode)).toBe(false);
    expect(() => assertSendableCloseCode(1006)).toThrow(RangeError);
  });

  it('keeps a short reason and cuts a long one to 123 bytes, never inside a character', () => {
    expect(closeFrameReason('bye')).toBe('bye');
    expect(Buffer.byteLength(closeFrameReason('x'.repeat(200)))).toBe(MAX_CLOSE_REASON_BYTES);
    // 61 three-byte characters are 183 bytes; 41 of them (123 bytes) fit exactly.
    expect(closeFrameReason('€'.repeat(61))).toBe('€'.repeat(41));
    // With one ASCII byte ahead, the 42nd character would straddle the limit: it is dropped whole.
    expect(closeFrameReason(`a${'€'.repeat(61)}`)).toBe(`a${'€'.repeat(40)}`);
    // Three bytes of a four-byte character decode to one U+FFFD of exactly the bytes left: still dropped.
    expect(closeFrameReason(`${'x'.repeat(120)}😀 and more`)).toBe('x'.repeat(120));
  });
});
