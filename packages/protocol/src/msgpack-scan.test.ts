import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { msgpackCodec } from './codec-msgpack.js';
import { jsonCodec } from './codec-json.js';
import { ProtocolError } from './errors.js';
import { scanMsgpack } from './msgpack-scan.js';
import { clientEnvelope, msgpackData, serverEnvelope } from './testing/arbitraries.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
}

// A ProtocolError, raised by the scan or the validator: never an error from msgpackr itself,
// which would mean the scan let through bytes the decoder could not read.
function expectScanToCatchIt(error: unknown): void {
  expect(error).toBeInstanceOf(ProtocolError);
  expect((error as ProtocolError).message).not.toBe('binary frame is not valid msgpack');
}

describe('scanMsgpack', () => {
  it('accepts every frame the encoder writes', () => {
    fc.assert(
      fc.property(fc.oneof(clientEnvelope(msgpackData), serverEnvelope(msgpackData)), (envelope) => {
        expect(() => scanMsgpack(msgpackCodec.encode(envelope) as Uint8Array, 65)).not.toThrow();
      }),
    );
  });

  it('accepts every scalar type and width', () => {
    const scalars = [
      'c0',
      'c2',
      'c3',
      '7f',
      'e0',
      'cc01',
      'cd0001',
      'ce00000001',
      'cf0000000000000001',
      'd001',
      'd10001',
      'd200000001',
      'd30000000000000001',
      'ca3f800000',
      'cb3ff0000000000000',
      'a0',
      'd90161',
      'da000161',
      'db0000000161',
      'c40101',
      'c5000101',
      'c600000001 01'.replace(' ', ''),
    ];
    for (const scalar of scalars) expect(() => scanMsgpack(bytes(`91${scalar}`), 2)).not.toThrow();
  });

  it('counts depth from the outermost container', () => {
    expect(() => scanMsgpack(bytes('919191c0'), 3)).not.toThrow();
    expect(codeOf(() => scanMsgpack(bytes('91919191c0'), 3))).toBe('TOO_DEEP');
    // Empty containers count too.
    expect(codeOf(() => scanMsgpack(bytes('91919190'), 3))).toBe('TOO_DEEP');
  });

  it('checks keys only in key position', () => {
    // A string value "__proto__" is data, not a key.
    expect(() => scanMsgpack(bytes('81a174a95f5f70726f746f5f5f'), 2)).not.toThrow();
    expect(codeOf(() => scanMsgpack(bytes('81a95f5f70726f746f5f5fc0'), 2))).toBe('FORBIDDEN_KEY');
    // "prototypes" (10 bytes) and "constructo" are ordinary keys.
    expect(() => scanMsgpack(bytes('82aa70726f746f7479706573c0aa636f6e7374727563746fc0'), 2)).not.toThrow();
  });

  it('decoding arbitrary bytes only ever fails with a ProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (frame) => {
        try {
          msgpackCodec.decodeFromClient(frame, true);
        } catch (error) {
          expectScanToCatchIt(error);
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it('decoding mutated valid frames only ever fails with a ProtocolError', () => {
    fc.assert(
      fc.property(clientEnvelope(msgpackData), fc.nat(), fc.integer({ min: 0, max: 255 }), (envelope, at, value) => {
        const frame = Uint8Array.from(msgpackCodec.encode(envelope) as Uint8Array);
        frame[at % frame.length] = value;
        try {
          msgpackCodec.decodeFromClient(frame, true);
        } catch (error) {
          expectScanToCatchIt(error);
        }
        try {
          msgpackCodec.decodeFromClient(frame.subarray(0, at % frame.length), true);
        } catch (error) {
          expectScanToCatchIt(error);
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('decoding arbitrary JSON text only ever fails with a ProtocolError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        try {
          jsonCodec.decodeFromClient(text, false);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 3_000 },
    );
  });
});
