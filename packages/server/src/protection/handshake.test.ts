import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkHandshake } from './handshake.js';

describe('checkHandshake', () => {
  it('accepts any base64 of 16 bytes with version 13', () => {
    for (let i = 0; i < 200; i++) {
      expect(checkHandshake({ key: randomBytes(16).toString('base64'), version: '13' })).toBeUndefined();
    }
    expect(checkHandshake({ key: 'dGhlIHNhbXBsZSBub25jZQ==', version: '13' })).toBeUndefined();
  });

  it.each(['', '8', '12', '14', '13, 8', 'abc'])('refuses version %j with 426 and names 13', (version) => {
    const r = checkHandshake({ key: 'dGhlIHNhbXBsZSBub25jZQ==', version });
    expect(r?.status).toBe(426);
    expect(r?.headers['sec-websocket-version']).toBe('13');
  });

  it.each([
    '',
    'short',
    'dGhlIHNhbXBsZSBub25jZQ', // padding missing
    'dGhlIHNhbXBsZSBub25jZR==', // non-zero trailing bits: not exactly 16 bytes canonically
    randomBytes(17).toString('base64'),
    randomBytes(15).toString('base64'),
    'dGhlIHNhbXBsZSBub25j!Q==',
    'x'.repeat(10_000),
  ])('refuses key %j with 400', (key) => {
    expect(checkHandshake({ key, version: '13' })?.status).toBe(400);
  });
});
