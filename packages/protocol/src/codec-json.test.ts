import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJsonCodec, jsonCodec } from './codec-json.js';
import { clientEnvelope, serverEnvelope } from './testing/arbitraries.js';
import { errorOf } from './testing/protocol-error.js';
import { SUBPROTOCOL_JSON } from './version.js';

const encoder = new TextEncoder();

describe('jsonCodec', () => {
  it('describes itself', () => {
    expect(jsonCodec.name).toBe('json');
    expect(jsonCodec.subprotocol).toBe(SUBPROTOCOL_JSON);
    expect(jsonCodec.binary).toBe(false);
  });

  it('round-trips every client envelope, as a string and as bytes', () => {
    fc.assert(
      fc.property(clientEnvelope(), (envelope) => {
        const frame = jsonCodec.encode(envelope);
        expect(typeof frame).toBe('string');
        expect(jsonCodec.decodeFromClient(frame, false)).toEqual(envelope);
        const bytes = encoder.encode(frame as string);
        expect(jsonCodec.decodeFromClient(bytes, false)).toEqual(envelope);
        expect(jsonCodec.decodeFromClient(bytes.buffer, false)).toEqual(envelope);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips every server envelope', () => {
    fc.assert(
      fc.property(serverEnvelope(), (envelope) => {
        expect(jsonCodec.decodeFromServer(jsonCodec.encode(envelope), false)).toEqual(envelope);
      }),
      { numRuns: 500 },
    );
  });

  it('omits undefined fields when encoding', () => {
    expect(jsonCodec.encode({ t: 'push', event: 'e', data: undefined, room: undefined } as never)).toBe(
      '{"t":"push","event":"e"}',
    );
  });

  it('returns a fresh object without unknown fields', () => {
    const input = '{"t":"event","event":"typing","data":{"room":"a"},"extra":1,"t2":"x"}';
    expect(jsonCodec.decodeFromClient(input, false)).toStrictEqual({
      t: 'event',
      event: 'typing',
      data: { room: 'a' },
    });
  });

  it('decodes from an ArrayBuffer synchronously, so a neutered buffer afterwards does not matter', () => {
    const buffer = encoder.encode('{"t":"join","id":7,"room":"lobby"}').buffer;
    const envelope = jsonCodec.decodeFromClient(buffer, false);
    structuredClone(buffer, { transfer: [buffer] });
    expect(buffer.byteLength).toBe(0);
    expect(envelope).toEqual({ t: 'join', id: 7, room: 'lobby' });
  });

  it('decodes a view into a larger buffer from its own offset and length only', () => {
    const pool = encoder.encode('xx{"t":"join","id":7,"room":"lobby"}yy');
    const view = Buffer.from(pool.buffer, 2, pool.byteLength - 4);
    expect(jsonCodec.decodeFromClient(view, false)).toEqual({ t: 'join', id: 7, room: 'lobby' });
    const tooLarge = errorOf(() => createJsonCodec({ maxBytes: view.byteLength - 1 }).decodeFromClient(view, false));
    expect(tooLarge.code).toBe('TOO_LARGE');
    expect(createJsonCodec({ maxBytes: view.byteLength }).decodeFromClient(view, false)).toEqual({
      t: 'join',
      id: 7,
      room: 'lobby',
    });
  });

  it('refuses binary frames with WRONG_FRAME_TYPE (close 4001)', () => {
    const error = errorOf(() => jsonCodec.decodeFromClient(encoder.encode('{"t":"ping"}'), true));
    expect(error.code).toBe('WRONG_FRAME_TYPE');
    expect(error.closeCode).toBe(4001);
  });

  it('applies maxBytes to UTF-8 bytes, for strings and byte frames', () => {
    const codec = createJsonCodec({ maxBytes: 20 });
    expect(codec.decodeFromClient('{"t":"ping","ts":1}', false)).toEqual({ t: 'ping', ts: 1 });
    // 13 code units but 23 UTF-8 bytes.
    const euro = '{"t":"€€€€€"}';
    expect(errorOf(() => codec.decodeFromClient(euro, false)).code).toBe('TOO_LARGE');
    const large = errorOf(() => codec.decodeFromClient(encoder.encode(euro), false));
    expect([large.code, large.closeCode]).toEqual(['TOO_LARGE', 4004]);
  });

  it('applies maxDepth to data', () => {
    const codec = createJsonCodec({ maxDepth: 2 });
    expect(codec.decodeFromClient('{"t":"event","event":"e","data":[[1]]}', false)).toEqual({
      t: 'event',
      event: 'e',
      data: [[1]],
    });
    expect(errorOf(() => codec.decodeFromClient('{"t":"event","event":"e","data":[[[1]]]}', false)).code).toBe(
      'TOO_DEEP',
    );
  });

  it('refuses invalid options', () => {
    expect(() => createJsonCodec({ maxDepth: -1 })).toThrow(RangeError);
    expect(() => createJsonCodec({ maxBytes: 1.5 })).toThrow(RangeError);
  });
});
