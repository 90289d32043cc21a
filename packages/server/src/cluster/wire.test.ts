import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeClusterMessage,
  encodeClusterMessage,
  WireError,
  WireErrorCode,
  WireFormatCode,
  type ClusterMessage,
  type WireFormatName,
} from './wire.js';

const hex = (text: string): Uint8Array => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const frame = (text: string): Uint8Array => new Uint8Array(Buffer.from(text));
/** Decoded frames are views of the input (a Buffer here); compare them as plain bytes. */
function plain(message: ClusterMessage | undefined): ClusterMessage | undefined {
  return message !== undefined && 'frame' in message ? { ...message, frame: new Uint8Array(message.frame) } : message;
}

// version kind | fields as <varint length><bytes>
const FIXTURES: [string, ClusterMessage, string][] = [
  [
    'push',
    { kind: 'push', origin: 'n1', room: 'r', format: 'json2', frame: frame('hi') },
    '01 01 | 02 6e31 | 01 72 | 01 02 | 02 6869 | 00 | 00',
  ],
  [
    'push with an excluded connection',
    { kind: 'push', origin: 'n1', room: 'r', format: 'json2', frame: frame('hi'), except: 'c' },
    '01 01 | 02 6e31 | 01 72 | 01 02 | 02 6869 | 01 63 | 00',
  ],
  [
    'push with a conflation key',
    { kind: 'push', origin: 'n1', room: 'r', format: 'json2', frame: frame('hi'), key: 'k' },
    '01 01 | 02 6e31 | 01 72 | 01 02 | 02 6869 | 00 | 01 6b',
  ],
  [
    'push in a room with history (the engine appends offset and epoch)',
    { kind: 'push', origin: 'n1', room: 'r', format: 'json2', frame: frame('hi'), offset: 42, epoch: 'e7' },
    '01 01 | 02 6e31 | 01 72 | 01 02 | 02 6869 | 00 | 00 | 02 3432 | 02 6537',
  ],
  ['mark', { kind: 'mark', origin: 'n1', token: 't' }, '01 06 | 02 6e31 | 01 74'],
  ['gap', { kind: 'gap', origin: 'n1', room: 'r' }, '01 02 | 02 6e31 | 01 72 | 00'],
  ['gap with a count', { kind: 'gap', origin: 'n1', room: 'r', missed: 5 }, '01 02 | 02 6e31 | 01 72 | 04 00000005'],
  [
    'user-push',
    { kind: 'user-push', origin: 'n1', userId: 'u', format: 'msgpack1', frame: Uint8Array.of(0xff) },
    '01 03 | 02 6e31 | 01 75 | 01 03 | 01 ff',
  ],
  [
    'disconnect-user',
    { kind: 'disconnect-user', origin: 'n1', userId: 'u', code: 4001 },
    '01 04 | 02 6e31 | 01 75 | 02 0fa1',
  ],
  [
    'presence',
    { kind: 'presence', origin: 'n1', room: 'r', change: 'join', userId: 'u', connections: 2 },
    '01 05 | 02 6e31 | 01 72 | 01 01 | 01 75 | 04 00000002',
  ],
  [
    'presence leave',
    { kind: 'presence', origin: 'n1', room: 'r', change: 'leave', userId: 'u', connections: 0 },
    '01 05 | 02 6e31 | 01 72 | 01 02 | 01 75 | 04 00000000',
  ],
];

function refusal(bytes: Uint8Array): WireErrorCode {
  try {
    decodeClusterMessage(bytes);
  } catch (error) {
    if (error instanceof WireError) return error.code;
    throw error;
  }
  throw new Error('decoded');
}

describe('cluster wire format', () => {
  it.each(FIXTURES)('encodes and decodes %s', (_name, message, fixture) => {
    const bytes = hex(fixture.replace(/\|/g, ''));
    expect(toHex(encodeClusterMessage(message))).toBe(toHex(bytes));
    expect(plain(decodeClusterMessage(bytes))).toEqual(message);
  });

  it('uses multi-byte lengths for long fields and returns the frame as a view', () => {
    const big = new Uint8Array(300).fill(7);
    const bytes = encodeClusterMessage({ kind: 'push', origin: 'n', room: 'r', format: 'json1', frame: big });
    expect(toHex(bytes.subarray(0, 10))).toBe('0101016e01720101ac02');
    const decoded = decodeClusterMessage(bytes);
    expect(decoded?.kind === 'push' && decoded.frame.buffer === bytes.buffer).toBe(true);
    expect(decoded?.kind === 'push' && new Uint8Array(decoded.frame)).toEqual(big);
  });

  it('skips unknown kinds and ignores fields appended by a newer release', () => {
    expect(decodeClusterMessage(hex('0109 02 6e31'))).toBeUndefined();
    const withExtra = hex('01 02 02 6e31 01 72 00 03 616263');
    expect(decodeClusterMessage(withExtra)).toEqual({ kind: 'gap', origin: 'n1', room: 'r' });
  });

  it('refuses an unknown version', () => {
    expect(refusal(hex('02 02 02 6e31 01 72 00'))).toBe(WireErrorCode.UNSUPPORTED_VERSION);
  });

  it('refuses every truncation of a valid message, except before the fields appended in the same version', () => {
    for (const [, message] of FIXTURES) {
      const bytes = encodeClusterMessage(message);
      for (let end = 0; end < bytes.byteLength - 1; end++) {
        let decoded: ClusterMessage | undefined;
        try {
          decoded = decodeClusterMessage(bytes.subarray(0, end));
        } catch {
          expect(refusal(bytes.subarray(0, end))).toBe(WireErrorCode.TRUNCATED);
          continue;
        }
        // A push without its appended fields (key, position) is what an older release writes.
        expect(message.kind).toBe('push');
        const {
          key: _key,
          offset: _offset,
          epoch: _epoch,
          ...rest
        } = message as Extract<ClusterMessage, { kind: 'push' }>;
        expect(plain(decoded)).toMatchObject(rest);
      }
    }
  });

  it('refuses hostile lengths without allocating for them', () => {
    expect(refusal(hex('0101 ffffffff0f 00'))).toBe(WireErrorCode.TRUNCATED);
    expect(refusal(hex('0101 ffffffff7f 00'))).toBe(WireErrorCode.BAD_LENGTH);
    expect(refusal(hex('0101 ffffffffff01'))).toBe(WireErrorCode.BAD_LENGTH);
    expect(refusal(hex('0101 80'))).toBe(WireErrorCode.TRUNCATED);
  });

  it('refuses fields of the wrong size or value', () => {
    expect(refusal(hex('01 01 02 6e31 01 72 01 09 02 6869 00'))).toBe(WireErrorCode.INVALID_FIELD);
    expect(refusal(hex('01 01 02 6e31 01 72 02 0002 02 6869 00'))).toBe(WireErrorCode.INVALID_FIELD);
    expect(refusal(hex('01 05 02 6e31 01 72 01 03 01 75 04 00000002'))).toBe(WireErrorCode.INVALID_FIELD);
    expect(refusal(hex('01 04 02 6e31 01 75 00'))).toBe(WireErrorCode.INVALID_FIELD);
  });

  it('rejects out-of-range numbers at encode time', () => {
    expect(() => encodeClusterMessage({ kind: 'disconnect-user', origin: 'n', userId: 'u', code: 70_000 })).toThrow(
      RangeError,
    );
  });

  it('round-trips any message', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 40 });
    const id = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => Buffer.from(s).toString() === s);
    const format = fc.constantFrom(...(Object.keys(WireFormatCode) as WireFormatName[]));
    const bytes = fc.uint8Array({ maxLength: 600 });
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    const message: fc.Arbitrary<ClusterMessage> = fc.oneof(
      fc.record(
        { kind: fc.constant('push' as const), origin: text, room: text, format, frame: bytes, except: id },
        { requiredKeys: ['kind', 'origin', 'room', 'format', 'frame'] },
      ),
      fc.record(
        { kind: fc.constant('gap' as const), origin: text, room: text, missed: u32 },
        { requiredKeys: ['kind', 'origin', 'room'] },
      ),
      fc.record({ kind: fc.constant('user-push' as const), origin: text, userId: text, format, frame: bytes }),
      fc.record({
        kind: fc.constant('disconnect-user' as const),
        origin: text,
        userId: text,
        code: fc.integer({ min: 0, max: 0xffff }),
      }),
      fc.record({
        kind: fc.constant('presence' as const),
        origin: text,
        room: text,
        change: fc.constantFrom('join' as const, 'leave' as const),
        userId: text,
        connections: u32,
      }),
    );
    fc.assert(
      fc.property(message, (m) => {
        const decoded = plain(decodeClusterMessage(encodeClusterMessage(m)));
        expect(decoded).toEqual('frame' in m ? { ...m, frame: new Uint8Array(m.frame) } : m);
      }),
    );
  });

  it('throws nothing but WireError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (random, valid) => {
        const bytes = valid ? Uint8Array.of(1, random[0] ?? 1, ...random.subarray(1)) : random;
        try {
          decodeClusterMessage(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(WireError);
        }
      }),
    );
  });
});
