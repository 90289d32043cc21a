import { describe, expect, it } from 'vitest';
import { oversize } from './payload-size.js';

describe('oversize', () => {
  it('knows no limit before the welcome', () => {
    expect(oversize('x'.repeat(1e6), undefined)).toBeUndefined();
  });

  it('counts UTF-8 bytes of text frames, exactly at the limit', () => {
    expect(oversize('x'.repeat(100), 100)).toBeUndefined();
    expect(oversize('x'.repeat(101), 100)?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(oversize('€'.repeat(33), 100)).toBeUndefined(); // 99 bytes
    expect(oversize('€'.repeat(34), 100)?.message).toBe('102 bytes > maxPayload 100');
    expect(oversize('😀'.repeat(25), 100)).toBeUndefined(); // 4 bytes each
    expect(oversize('😀'.repeat(26), 100)?.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('counts bytes of binary frames', () => {
    expect(oversize(new Uint8Array(100), 100)).toBeUndefined();
    expect(oversize(new Uint8Array(101), 100)?.code).toBe('PAYLOAD_TOO_LARGE');
  });
});
