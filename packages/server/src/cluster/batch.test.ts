import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBatch, forEachBatched } from './batch.js';
import { WireError, WireErrorCode } from './wire.js';

const hex = (text: string): Uint8Array => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function unpack(batch: Uint8Array): string[] {
  const out: string[] = [];
  forEachBatched(batch, (message) => out.push(Buffer.from(message).toString('hex')));
  return out;
}

function refusal(batch: Uint8Array): WireErrorCode {
  try {
    unpack(batch);
  } catch (error) {
    if (error instanceof WireError) return error.code;
    throw error;
  }
  throw new Error('decoded');
}

describe('broker batch envelope', () => {
  it('packs messages behind a version byte and u32 lengths', () => {
    const batch = encodeBatch([hex('aa'), hex(''), hex('bbcc')], 3);
    expect(Buffer.from(batch).toString('hex')).toBe('01' + '00000001aa' + '00000000' + '00000002bbcc');
    expect(unpack(batch)).toEqual(['aa', '', 'bbcc']);
  });

  it('hands out views, not copies', () => {
    const batch = encodeBatch([hex('aabb')], 2);
    forEachBatched(batch, (message) => expect(message.buffer).toBe(batch.buffer));
  });

  it('refuses an unknown version, a truncated length and a hostile length', () => {
    expect(refusal(hex(''))).toBe(WireErrorCode.TRUNCATED);
    expect(refusal(hex('02 00000001 aa'))).toBe(WireErrorCode.UNSUPPORTED_VERSION);
    expect(refusal(hex('01 000000'))).toBe(WireErrorCode.TRUNCATED);
    expect(refusal(hex('01 ffffffff aa'))).toBe(WireErrorCode.TRUNCATED);
  });

  it('round-trips any list of messages', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 50 }), { minLength: 1, maxLength: 20 }), (messages) => {
        const bytes = messages.reduce((sum, m) => sum + m.byteLength, 0);
        expect(unpack(encodeBatch(messages, bytes))).toEqual(messages.map((m) => Buffer.from(m).toString('hex')));
      }),
    );
  });
});
