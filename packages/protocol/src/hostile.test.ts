import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Codec } from './codec.js';
import { createJsonCodec, jsonCodec } from './codec-json.js';
import { createMsgpackCodec, msgpackCodec } from './codec-msgpack.js';
import type { Envelope } from './envelope.js';
import { ProtocolError, type ProtocolErrorCode } from './errors.js';
import { errorOf } from './testing/protocol-error.js';

// Hostile input, fed to both codecs: every case must end in a ProtocolError with the exact code
// and close code, never a crash, a hang, or a changed prototype.

type Direction = 'client' | 'server';

function decode(codec: Codec, frame: string | Uint8Array | ArrayBuffer, isBinary: boolean, from: Direction): unknown {
  return from === 'client' ? codec.decodeFromClient(frame, isBinary) : codec.decodeFromServer(frame, isBinary);
}

const long = (n: number): string => 'x'.repeat(n);
const nested = (depth: number, inner = '1'): string => '['.repeat(depth) + inner + ']'.repeat(depth);

/**
 * Decoded values that are not valid envelopes: written as JSON text, sent as a text frame to the
 * JSON codec and re-encoded as a msgpack map for the msgpack codec.
 */
const SEMANTIC: ReadonlyArray<{
  name: string;
  json: string;
  msgpack?: string;
  from?: Direction;
  code: ProtocolErrorCode;
}> = [
  { name: 'array at the top', json: '[1,2]', code: 'NOT_AN_OBJECT' },
  { name: 'null at the top', json: 'null', code: 'NOT_AN_OBJECT' },
  { name: 'string at the top', json: '"ping"', code: 'NOT_AN_OBJECT' },
  { name: 'number at the top', json: '42', code: 'NOT_AN_OBJECT' },
  { name: 'missing t', json: '{"id":1}', code: 'UNKNOWN_TYPE' },
  { name: 'unknown t', json: '{"t":"subscribe"}', code: 'UNKNOWN_TYPE' },
  { name: 'object t with toString', json: '{"t":{"toString":1}}', code: 'UNKNOWN_TYPE' },
  { name: 'array t', json: '{"t":["ping"]}', code: 'UNKNOWN_TYPE' },
  { name: 'numeric t', json: '{"t":1}', code: 'UNKNOWN_TYPE' },
  { name: 't naming an Object.prototype member', json: '{"t":"toString"}', code: 'UNKNOWN_TYPE' },
  { name: 't naming __proto__', json: '{"t":"__proto__"}', code: 'UNKNOWN_TYPE' },
  { name: 'welcome sent by a client', json: '{"t":"welcome","v":1}', code: 'WRONG_DIRECTION' },
  { name: 'push sent by a client', json: '{"t":"push","event":"e"}', code: 'WRONG_DIRECTION' },
  { name: 'join sent by a server', json: '{"t":"join","id":1,"room":"r"}', from: 'server', code: 'WRONG_DIRECTION' },
  {
    name: 'refresh sent by a server',
    json: '{"t":"refresh","id":1,"token":"x"}',
    from: 'server',
    code: 'WRONG_DIRECTION',
  },
  { name: 'join without id', json: '{"t":"join","room":"r"}', code: 'MISSING_FIELD' },
  { name: 'event without name', json: '{"t":"event","data":1}', code: 'MISSING_FIELD' },
  { name: 'failed reply without error', json: '{"t":"reply","id":1,"ok":false}', code: 'MISSING_FIELD' },
  {
    name: 'welcome without limits',
    json: '{"t":"welcome","v":1,"connectionId":"c","userId":"u"}',
    from: 'server',
    code: 'MISSING_FIELD',
  },
  { name: 'id 0', json: '{"t":"leave","id":0,"room":"r"}', code: 'INVALID_FIELD' },
  { name: 'id 2^32', json: '{"t":"leave","id":4294967296,"room":"r"}', code: 'INVALID_FIELD' },
  { name: 'negative id', json: '{"t":"leave","id":-1,"room":"r"}', code: 'INVALID_FIELD' },
  { name: 'fractional id', json: '{"t":"request","id":1.5,"name":"n"}', code: 'INVALID_FIELD' },
  { name: 'string id', json: '{"t":"request","id":"1","name":"n"}', code: 'INVALID_FIELD' },
  { name: 'empty event name', json: '{"t":"event","event":""}', code: 'INVALID_FIELD' },
  { name: 'event name of 257 characters', json: `{"t":"event","event":"${long(257)}"}`, code: 'INVALID_FIELD' },
  { name: 'numeric request name', json: '{"t":"request","id":1,"name":7}', code: 'INVALID_FIELD' },
  { name: 'empty room', json: '{"t":"join","id":1,"room":""}', code: 'INVALID_FIELD' },
  { name: 'room of 1025 characters', json: `{"t":"join","id":1,"room":"${long(1025)}"}`, code: 'INVALID_FIELD' },
  {
    name: 'presence flag that is not a boolean',
    json: '{"t":"join","id":1,"room":"r","presence":"yes"}',
    code: 'INVALID_FIELD',
  },
  { name: 'join since that is a number', json: '{"t":"join","id":1,"room":"r","since":3}', code: 'INVALID_FIELD' },
  {
    name: 'join since with a negative offset',
    json: '{"t":"join","id":1,"room":"r","since":{"offset":-1,"epoch":"e"}}',
    code: 'INVALID_FIELD',
  },
  {
    name: 'join since without epoch',
    json: '{"t":"join","id":1,"room":"r","since":{"offset":1}}',
    code: 'MISSING_FIELD',
  },
  {
    name: '__proto__ key in join since',
    json: '{"t":"join","id":1,"room":"r","since":{"offset":1,"epoch":"e","__proto__":{"polluted":true}}}',
    code: 'FORBIDDEN_KEY',
  },
  { name: 'null optional field', json: '{"t":"publish","room":"r","event":"e","id":null}', code: 'INVALID_FIELD' },
  { name: 'reply ok that is not a boolean', json: '{"t":"reply","id":1,"ok":1}', code: 'INVALID_FIELD' },
  {
    name: 'unknown reply error code',
    json: '{"t":"reply","id":1,"ok":false,"error":{"code":"EVIL","message":"m"}}',
    code: 'INVALID_FIELD',
  },
  { name: 'reply error that is an array', json: '{"t":"reply","id":1,"ok":false,"error":[]}', code: 'INVALID_FIELD' },
  { name: 'string ping ts', json: '{"t":"ping","ts":"now"}', code: 'INVALID_FIELD' },
  { name: 'unknown notice code', json: '{"t":"notice","code":"PWNED"}', from: 'server', code: 'INVALID_FIELD' },
  {
    name: 'presence change that is not join/leave',
    json: '{"t":"presence","room":"r","change":"x","userId":"u","connections":1}',
    from: 'server',
    code: 'INVALID_FIELD',
  },
  {
    name: 'presence count without its count',
    json: '{"t":"presence","room":"r","change":"count","userId":"u","connections":1}',
    from: 'server',
    code: 'MISSING_FIELD',
  },
  { name: 'negative push offset', json: '{"t":"push","event":"e","offset":-1}', from: 'server', code: 'INVALID_FIELD' },
  {
    name: '__proto__ key in data',
    json: '{"t":"event","event":"e","data":{"__proto__":{"polluted":true}}}',
    code: 'FORBIDDEN_KEY',
  },
  {
    name: '__proto__ key deep in data',
    json: '{"t":"event","event":"e","data":[{"a":[{"__proto__":{"polluted":true}}]}]}',
    code: 'FORBIDDEN_KEY',
  },
  {
    name: 'constructor key in data',
    json: '{"t":"request","id":1,"name":"n","data":{"constructor":{"prototype":{"polluted":true}}}}',
    code: 'FORBIDDEN_KEY',
  },
  { name: 'prototype key in data', json: '{"t":"event","event":"e","data":{"prototype":1}}', code: 'FORBIDDEN_KEY' },
  { name: '__proto__ key on the envelope', json: '{"t":"ping","__proto__":{"polluted":true}}', code: 'FORBIDDEN_KEY' },
  {
    name: '__proto__ key in a reply error',
    json: '{"t":"reply","id":1,"ok":false,"error":{"code":"INTERNAL","message":"m","__proto__":{}}}',
    code: 'FORBIDDEN_KEY',
  },
  { name: 'data nested 65 levels', json: `{"t":"event","event":"e","data":${nested(65)}}`, code: 'TOO_DEEP' },
  {
    name: 'data nested 10,000 levels',
    json: `{"t":"event","event":"e","data":${nested(10_000)}}`,
    // Written by hand: encoders recurse, and 10,000 levels exceed the stack, as with JSON.stringify.
    msgpack: `83a174a56576656e74a56576656e74a165a464617461${'91'.repeat(10_000)}01`,
    code: 'TOO_DEEP',
  },
];

// msgpack bytes written by hand: the encoder (rightly) cannot produce them.
const envelopeHead = '83a174a56576656e74a56576656e74a165a464617461'; // {t:'event', event:'e', data: ...
const MSGPACK: ReadonlyArray<{ name: string; hex: string; code: ProtocolErrorCode }> = [
  { name: 'empty frame', hex: '', code: 'INVALID_MSGPACK' },
  { name: 'truncated map', hex: '82a174a470696e67', code: 'INVALID_MSGPACK' },
  { name: 'truncated string', hex: '81a174a570696e', code: 'INVALID_MSGPACK' },
  { name: 'truncated float64', hex: '82a174a470696e67a27473cb3ff0', code: 'INVALID_MSGPACK' },
  { name: 'array32 declaring 2^32-1 items', hex: 'ddffffffff', code: 'INVALID_MSGPACK' },
  { name: 'map32 declaring 2^32-1 entries', hex: 'dfffffffff', code: 'INVALID_MSGPACK' },
  { name: 'str32 declaring 2^32-1 bytes', hex: `${envelopeHead}dbffffffff61`, code: 'INVALID_MSGPACK' },
  { name: 'bin32 declaring 2^32-1 bytes', hex: `${envelopeHead}c6ffffffff00`, code: 'INVALID_MSGPACK' },
  { name: 'array16 longer than the frame', hex: `${envelopeHead}dcffff01`, code: 'INVALID_MSGPACK' },
  { name: 'truncated length field', hex: `${envelopeHead}dd00`, code: 'INVALID_MSGPACK' },
  { name: 'trailing bytes', hex: '81a174a470696e6700', code: 'INVALID_MSGPACK' },
  { name: 'two envelopes in one frame', hex: '81a174a470696e6781a174a470696e67', code: 'INVALID_MSGPACK' },
  { name: 'reserved byte 0xc1', hex: `${envelopeHead}c1`, code: 'INVALID_MSGPACK' },
  { name: 'integer map key', hex: '82a174a470696e6701c0', code: 'INVALID_MSGPACK' },
  { name: 'nil map key', hex: '82a174a470696e67c0c0', code: 'INVALID_MSGPACK' },
  { name: 'binary map key', hex: '82a174a470696e67c40174c0', code: 'INVALID_MSGPACK' },
  { name: 'invalid UTF-8 in a string', hex: `${envelopeHead}a3ff4142`, code: 'INVALID_MSGPACK' },
  { name: 'overlong UTF-8 encoding of "/"', hex: `${envelopeHead}a2c0af`, code: 'INVALID_MSGPACK' },
  { name: 'timestamp extension (-1)', hex: `${envelopeHead}d6ff00000000`, code: 'UNSUPPORTED_EXTENSION' },
  { name: 'fixext1 type 0 (undefined in msgpackr)', hex: `${envelopeHead}d40000`, code: 'UNSUPPORTED_EXTENSION' },
  { name: 'ext8 record definition (msgpackr 0x72)', hex: `${envelopeHead}c7017200`, code: 'UNSUPPORTED_EXTENSION' },
  { name: 'ext32 declaring 2^32-1 bytes', hex: `${envelopeHead}c9ffffffff01`, code: 'UNSUPPORTED_EXTENSION' },
  { name: 'fixext16', hex: `${envelopeHead}d801${'00'.repeat(16)}`, code: 'UNSUPPORTED_EXTENSION' },
  { name: '__proto__ map key', hex: '82a174a470696e67a95f5f70726f746f5f5f81a170c3', code: 'FORBIDDEN_KEY' },
  { name: 'constructor map key as str8', hex: '82a174a470696e67d90b636f6e7374727563746f72c0', code: 'FORBIDDEN_KEY' },
  { name: '100,000 nested arrays', hex: '91'.repeat(100_000) + 'c0', code: 'TOO_DEEP' },
  { name: '100,000 nested maps', hex: '81a161'.repeat(100_000) + 'c0', code: 'TOO_DEEP' },
  { name: 'array at the top', hex: '92a174a470696e67', code: 'NOT_AN_OBJECT' },
  { name: 'integer t', hex: '81a17401', code: 'UNKNOWN_TYPE' },
];

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

let prototypeBefore: string[];
beforeAll(() => {
  prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
});
afterAll(() => {
  // Nothing decoded above may have touched Object.prototype.
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
});

describe('hostile values, both codecs', () => {
  it('has a table of at least 30 cases per codec', () => {
    expect(SEMANTIC.length).toBeGreaterThanOrEqual(30);
    expect(SEMANTIC.length + MSGPACK.length).toBeGreaterThanOrEqual(60);
  });

  describe.each(SEMANTIC)('$name', ({ json, msgpack, from = 'client', code }) => {
    it(`JSON: ${code}`, () => {
      const error = errorOf(() => decode(jsonCodec, json, false, from));
      expect([error.code, error.closeCode]).toEqual([code, 4000]);
    });

    it(`msgpack: ${code}`, () => {
      // JSON.parse keeps "__proto__" as an own key, so the encoder writes it as a map key.
      const frame = msgpack === undefined ? msgpackCodec.encode(JSON.parse(json) as Envelope) : hexBytes(msgpack);
      const error = errorOf(() => decode(msgpackCodec, frame, true, from));
      expect([error.code, error.closeCode]).toEqual([code, 4000]);
    });
  });
});

describe('hostile JSON frames', () => {
  it.each([
    ['not JSON', '{"t":', 'INVALID_JSON'],
    ['JSON with a trailing comma', '{"t":"ping",}', 'INVALID_JSON'],
    ['two JSON values', '{"t":"ping"}{"t":"ping"}', 'INVALID_JSON'],
    ['100,000 unclosed brackets', '['.repeat(100_000), 'INVALID_JSON'],
    ['100,000 nested arrays at the top', nested(100_000), 'NOT_AN_OBJECT'],
  ] as const)('%s: %s', (_name, text, code) => {
    const error = errorOf(() => jsonCodec.decodeFromClient(text, false));
    expect([error.code, error.closeCode]).toEqual([code, 4000]);
  });

  it('refuses a 100,000-deep data payload with TOO_DEEP', () => {
    const text = `{"t":"event","event":"e","data":${nested(100_000)}}`;
    const error = errorOf(() => jsonCodec.decodeFromClient(text, false));
    expect([error.code, error.closeCode]).toEqual(['TOO_DEEP', 4000]);
  });

  it('refuses forbidden keys however they are spelled', () => {
    for (const key of ['__proto__', '\\u005f_proto__', 'c\\u006fnstructor', 'prot\\u006ftype']) {
      const error = errorOf(() =>
        jsonCodec.decodeFromClient(`{"t":"event","event":"e","data":{"a":[{"${key}":1}]}}`, false),
      );
      expect([error.code, error.closeCode]).toEqual(['FORBIDDEN_KEY', 4000]);
    }
  });

  it('holds the depth limit exactly, brackets inside strings or not', () => {
    const codec = createJsonCodec({ maxDepth: 3 });
    for (const note of ['', ',"note":"[[[[{{{{"']) {
      const frame = (data: string): string => `{"t":"event","event":"e","data":${data}${note}}`;
      expect(codec.decodeFromClient(frame('[{"a":[1]}]'), false)).toEqual({
        t: 'event',
        event: 'e',
        data: [{ a: [1] }],
      });
      const error = errorOf(() => codec.decodeFromClient(frame('[{"a":[[1]]}]'), false));
      expect([error.code, error.closeCode]).toEqual(['TOO_DEEP', 4000]);
    }
  });

  it('refuses invalid UTF-8 bytes with INVALID_JSON', () => {
    for (const bytes of [[0xff], [0x22, 0xc3, 0x28, 0x22], [0xed, 0xa0, 0x80]]) {
      const error = errorOf(() => jsonCodec.decodeFromClient(Uint8Array.from(bytes), false));
      expect(error.code).toBe('INVALID_JSON');
    }
  });

  it('refuses a binary frame with WRONG_FRAME_TYPE and close 4001', () => {
    const error = errorOf(() => jsonCodec.decodeFromServer(new TextEncoder().encode('{"t":"ping"}').buffer, true));
    expect([error.code, error.closeCode]).toEqual(['WRONG_FRAME_TYPE', 4001]);
  });

  it('refuses an oversize frame with TOO_LARGE and close 4004', () => {
    const error = errorOf(() =>
      createJsonCodec({ maxBytes: 64 }).decodeFromClient(`{"t":"event","event":"${long(100)}"}`, false),
    );
    expect([error.code, error.closeCode]).toEqual(['TOO_LARGE', 4004]);
  });
});

describe('hostile msgpack frames', () => {
  it.each(MSGPACK)('$name: $code', ({ hex, code }) => {
    const error = errorOf(() => msgpackCodec.decodeFromClient(hexBytes(hex), true));
    expect([error.code, error.closeCode]).toEqual([code, 4000]);
  });

  it('refuses a text frame with WRONG_FRAME_TYPE and close 4001', () => {
    const error = errorOf(() => msgpackCodec.decodeFromClient('81a174a470696e67', false));
    expect([error.code, error.closeCode]).toEqual(['WRONG_FRAME_TYPE', 4001]);
  });

  it('refuses an oversize frame with TOO_LARGE and close 4004', () => {
    const frame = msgpackCodec.encode({ t: 'event', event: long(100) });
    const error = errorOf(() => createMsgpackCodec({ maxBytes: 64 }).decodeFromClient(frame, true));
    expect([error.code, error.closeCode]).toEqual(['TOO_LARGE', 4004]);
  });

  it('refuses huge declared lengths and deep nesting with bounded work', () => {
    // Linear scans finish in well under a millisecond; the bound only catches work that grows
    // with a declared length (2^32) or with recursion, which would take seconds or crash.
    const frames = [
      'ddffffffff',
      'dfffffffff',
      `${envelopeHead}dbffffffff`,
      '91'.repeat(100_000) + 'c0',
      '81a161'.repeat(100_000) + 'c0',
    ].map(hexBytes);
    const started = performance.now();
    for (let i = 0; i < 10; i++) {
      for (const frame of frames) expect(() => msgpackCodec.decodeFromClient(frame, true)).toThrow(ProtocolError);
    }
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('prototype pollution', () => {
  it('never changes a prototype, and keeps no inherited fields', () => {
    const attempts = [
      '{"t":"event","event":"e","data":{"__proto__":{"polluted":true}}}',
      '{"t":"ping","__proto__":{"t":"welcome"}}',
      '{"t":"event","event":"e","data":{"constructor":{"prototype":{"polluted":true}}}}',
    ];
    for (const text of attempts) {
      expect(() => jsonCodec.decodeFromClient(text, false)).toThrow(ProtocolError);
      expect(() => msgpackCodec.decodeFromClient(msgpackCodec.encode(JSON.parse(text) as Envelope), true)).toThrow(
        ProtocolError,
      );
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    // A field inherited from a polluted prototype is not an envelope field.
    const decoded = jsonCodec.decodeFromClient('{"t":"join","id":1,"room":"r"}', false);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(['t', 'id', 'room']);
  });
});
