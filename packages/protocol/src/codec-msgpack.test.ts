import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMsgpackCodec, msgpackCodec } from './codec-msgpack.js';
import { clientEnvelope, msgpackData, serverEnvelope } from './testing/arbitraries.js';
import { errorOf } from './testing/protocol-error.js';
import { SUBPROTOCOL_MSGPACK } from './version.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('msgpackCodec', () => {
  it('describes itself', () => {
    expect(msgpackCodec.name).toBe('msgpack');
    expect(msgpackCodec.subprotocol).toBe(SUBPROTOCOL_MSGPACK);
    expect(msgpackCodec.binary).toBe(true);
  });

  it('round-trips every client envelope, binary data included', () => {
    fc.assert(
      fc.property(clientEnvelope(msgpackData), (envelope) => {
        const frame = msgpackCodec.encode(envelope);
        expect(frame).toBeInstanceOf(Uint8Array);
        expect(msgpackCodec.decodeFromClient(frame, true)).toEqual(envelope);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips every server envelope, from a standalone ArrayBuffer', () => {
    fc.assert(
      fc.property(serverEnvelope(msgpackData), (envelope) => {
        const buffer = new Uint8Array(msgpackCodec.encode(envelope) as Uint8Array).buffer;
        expect(msgpackCodec.decodeFromServer(buffer, true)).toEqual(envelope);
      }),
      { numRuns: 500 },
    );
  });

  it('copies binary values out of the frame: they survive the frame buffer being neutered', () => {
    const frame = msgpackCodec.encode({ t: 'event', event: 'e', data: { blob: new Uint8Array([1, 2, 3]) } });
    const buffer = new Uint8Array(frame as Uint8Array).buffer;
    const envelope = msgpackCodec.decodeFromClient(buffer, true);
    structuredClone(buffer, { transfer: [buffer] });
    expect(buffer.byteLength).toBe(0);
    expect(envelope).toEqual({ t: 'event', event: 'e', data: { blob: new Uint8Array([1, 2, 3]) } });
  });

  it('keeps earlier frames intact while encoding later ones', () => {
    const first = msgpackCodec.encode({ t: 'ping', ts: 1 }) as Uint8Array;
    const before = hex(first);
    for (let i = 1; i < 2_000; i++) msgpackCodec.encode({ t: 'push', event: 'x'.repeat(i % 300 || 1) });
    expect(hex(first)).toBe(before);
  });

  it('writes no extension types: dates become ISO strings, undefined is dropped or nil', () => {
    const frame = msgpackCodec.encode({
      t: 'event',
      event: 'e',
      data: { at: new Date(0), gone: undefined, list: [undefined, 1], nested: [{ at: new Date(1) }] },
    });
    expect(msgpackCodec.decodeFromClient(frame, true)).toEqual({
      t: 'event',
      event: 'e',
      data: { at: '1970-01-01T00:00:00.000Z', list: [null, 1], nested: [{ at: '1970-01-01T00:00:00.001Z' }] },
    });
  });

  it('leaves payloads without dates untouched (no copy)', () => {
    const data = { a: [1, { b: 'c' }] };
    const frame = msgpackCodec.encode({ t: 'event', event: 'e', data });
    expect(msgpackCodec.decodeFromClient(frame, true)).toEqual({ t: 'event', event: 'e', data });
  });

  it('decodes each frame on its own, whatever size came before, and keeps binary values apart', () => {
    const big = {
      t: 'event',
      event: 'e',
      data: { text: 'é'.repeat(40_000), blob: new Uint8Array(70_000).fill(7) },
    } as const;
    const small = { t: 'event', event: 'e', data: { blob: new Uint8Array([1, 2, 3]) } } as const;
    const frames = [big, small, big, small].map(
      (envelope) => new Uint8Array(msgpackCodec.encode(envelope) as Uint8Array),
    );
    expect(frames[0]!.byteLength).toBeGreaterThan(64 * 1024);
    const decoded = frames.map((frame) => msgpackCodec.decodeFromClient(frame, true));
    expect(decoded).toEqual([big, small, big, small]);
    // A short frame that was valid only as the start of a longer one is still refused.
    const error = errorOf(() => msgpackCodec.decodeFromClient(frames[1]!.subarray(0, frames[1]!.byteLength - 1), true));
    expect(error.code).toBe('INVALID_MSGPACK');
    expect(decoded[1]).toEqual(small);
  });

  it('round-trips large frames of non-ASCII strings (msgpackr may decode them natively)', () => {
    const data: Record<string, string> = {};
    for (let i = 0; i < 50; i++) data[`k${i}`] = `é€😀 string ${i}${' '.repeat(i * 3)}`;
    const frame = msgpackCodec.encode({ t: 'event', event: 'e', data }) as Uint8Array;
    expect(frame.byteLength).toBeGreaterThan(4_000);
    expect(msgpackCodec.decodeFromClient(new Uint8Array(frame).buffer, true)).toEqual({ t: 'event', event: 'e', data });
  });

  it('writes integers as integers (int 64 beyond 32 bits, as JSON peers get them) and other numbers as float 64', () => {
    const ts = (n: number): string =>
      hex(msgpackCodec.encode({ t: 'ping', ts: n }) as Uint8Array).slice('82a174a470696e67a27473'.length);
    expect([
      ts(5),
      ts(-1),
      ts(-33),
      ts(4_294_967_295),
      ts(4_294_967_296),
      ts(1_796_476_601_448),
      ts(-(2 ** 40)),
      ts(Number.MAX_SAFE_INTEGER),
      ts(2 ** 63),
      ts(0.5),
    ]).toEqual([
      '05',
      'ff',
      'd0df',
      'ceffffffff',
      'd30000000100000000',
      'd3000001a246598468',
      'd3ffffff0000000000',
      'd3001fffffffffffff',
      'cb43e0000000000000',
      'cb3fe0000000000000',
    ]);
  });

  it('round-trips integers beyond 32 bits as numbers, in data and in the welcome', () => {
    const big = { id: 2 ** 53 - 1, neg: -(2 ** 40), list: [4_294_967_296] };
    const frame = msgpackCodec.encode({ t: 'event', event: 'e', data: big }) as Uint8Array;
    expect(msgpackCodec.decodeFromClient(frame, true)).toEqual({ t: 'event', event: 'e', data: big });
    const welcome = {
      t: 'welcome',
      v: 1,
      connectionId: 'c',
      userId: 'u',
      expiresAt: 1_796_476_601_448,
      limits: { maxPayload: 65536, heartbeatMs: 25000, maxRooms: 100, messagesPerSecond: 100 },
    } as const;
    const encoded = msgpackCodec.encode(welcome) as Uint8Array;
    // `expiresAt` (a9 + the key) followed by an int 64, not a float 64.
    expect(hex(encoded)).toContain(`a9${hex(new TextEncoder().encode('expiresAt'))}d3000001a246598468`);
    expect(msgpackCodec.decodeFromServer(encoded, true)).toEqual(welcome);
  });

  it('decodes 64-bit integers as numbers, never BigInt', () => {
    // {t: "ping", ts: uint64 5}
    const envelope = msgpackCodec.decodeFromClient(
      Buffer.from('82a174a470696e67a27473cf0000000000000005', 'hex'),
      true,
    );
    expect(envelope).toEqual({ t: 'ping', ts: 5 });
  });

  it('writes plain maps: no records, no shared structures', () => {
    const a = hex(msgpackCodec.encode({ t: 'leave', id: 1, room: 'r' }) as Uint8Array);
    const b = hex(msgpackCodec.encode({ t: 'leave', id: 1, room: 'r' }) as Uint8Array);
    expect(a).toBe('83a174a56c65617665a2696401a4726f6f6da172');
    expect(b).toBe(a);
  });

  it('refuses text frames with WRONG_FRAME_TYPE (close 4001)', () => {
    const error = errorOf(() => msgpackCodec.decodeFromClient('{"t":"ping"}', false));
    expect([error.code, error.closeCode]).toEqual(['WRONG_FRAME_TYPE', 4001]);
    // A byte frame flagged as text is refused too: the flag, not the JS type, tells the frame type.
    const frame = msgpackCodec.encode({ t: 'ping' });
    expect(errorOf(() => msgpackCodec.decodeFromServer(frame, false)).code).toBe('WRONG_FRAME_TYPE');
  });

  it('applies maxBytes and maxDepth', () => {
    const codec = createMsgpackCodec({ maxBytes: 40, maxDepth: 1 });
    const large = errorOf(() =>
      codec.decodeFromClient(msgpackCodec.encode({ t: 'event', event: 'e'.repeat(40) }), true),
    );
    expect([large.code, large.closeCode]).toEqual(['TOO_LARGE', 4004]);
    expect(codec.decodeFromClient(msgpackCodec.encode({ t: 'event', event: 'e', data: [1] }), true)).toEqual({
      t: 'event',
      event: 'e',
      data: [1],
    });
    expect(
      errorOf(() => codec.decodeFromClient(msgpackCodec.encode({ t: 'event', event: 'e', data: [[1]] }), true)).code,
    ).toBe('TOO_DEEP');
  });
});
