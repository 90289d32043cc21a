import { readFileSync } from 'node:fs';
import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { Codec } from './codec.js';
import { jsonCodec } from './codec-json.js';
import { createJsonV2Codec, jsonV2Codec } from './codec-json-v2.js';
import { msgpackCodec } from './codec-msgpack.js';
import { createMsgpackV2Codec, msgpackV2Codec } from './codec-msgpack-v2.js';
import type { Envelope } from './envelope.js';
import type { ProtocolErrorCode } from './errors.js';
import { compactPush } from './push-compact.js';
import { errorOf } from './testing/protocol-error.js';
import { SUBPROTOCOL_V2_JSON, SUBPROTOCOL_V2_MSGPACK } from './version.js';

interface Golden {
  name: string;
  direction: 'client-to-server' | 'server-to-client';
  envelope: Envelope;
  decoded?: Envelope;
  json: string;
  msgpackHex: string;
}

const read = (file: string): Golden[] =>
  JSON.parse(readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8')) as Golden[];
const goldenV1 = read('golden.json');
const goldenV2 = read('golden-v2.json');

describe('protocol version 2 codecs', () => {
  it('name their codec, version and subprotocol', () => {
    expect(jsonV2Codec).toMatchObject({ name: 'json', version: 2, subprotocol: SUBPROTOCOL_V2_JSON, binary: false });
    expect(msgpackV2Codec).toMatchObject({
      name: 'msgpack',
      version: 2,
      subprotocol: SUBPROTOCOL_V2_MSGPACK,
      binary: true,
    });
    expect(jsonCodec.version).toBe(1);
    expect(msgpackCodec.version).toBe(1);
  });

  describe.each(goldenV2)('golden push: $name', ({ envelope, decoded, json, msgpackHex }) => {
    it('JSON: encodes to the fixture text and decodes to the version 1 envelope', () => {
      expect(jsonV2Codec.encode(envelope)).toBe(json);
      expect(jsonV2Codec.decodeFromServer(json, false)).toEqual(decoded ?? envelope);
      expect(jsonV2Codec.decodeFromServer(new TextEncoder().encode(json), false)).toEqual(decoded ?? envelope);
      expect(jsonCodec.decodeFromServer(jsonCodec.encode(decoded ?? envelope), false)).toEqual(decoded ?? envelope);
    });

    it('msgpack: encodes to the fixture bytes and decodes to the version 1 envelope', () => {
      expect(Buffer.from(msgpackV2Codec.encode(envelope)).toString('hex')).toBe(msgpackHex);
      const bytes = Uint8Array.from(Buffer.from(msgpackHex, 'hex'));
      expect(msgpackV2Codec.decodeFromServer(bytes.buffer, true)).toEqual(decoded ?? envelope);
    });
  });

  describe.each(goldenV1.filter((g) => g.envelope.t !== 'push'))(
    'every other kind as in version 1: $name ($direction)',
    (g) => {
      const decode = g.direction === 'client-to-server' ? 'decodeFromClient' : 'decodeFromServer';
      it('has the version 1 text and bytes', () => {
        expect(jsonV2Codec.encode(g.envelope)).toBe(g.json);
        expect(jsonV2Codec[decode](g.json, false)).toEqual(g.envelope);
        expect(Buffer.from(msgpackV2Codec.encode(g.envelope)).toString('hex')).toBe(g.msgpackHex);
        expect(msgpackV2Codec[decode](Uint8Array.from(Buffer.from(g.msgpackHex, 'hex')), true)).toEqual(g.envelope);
      });
    },
  );

  it('leaves trailing absent fields out and writes null for absent fields before a present one', () => {
    expect(compactPush({ t: 'push', event: 'e' })).toEqual(['e']);
    expect(compactPush({ t: 'push', event: 'e', data: 0 })).toEqual(['e', 0]);
    expect(compactPush({ t: 'push', event: 'e', room: 'r' })).toEqual(['e', null, 'r']);
    expect(compactPush({ t: 'push', event: 'e', room: 'r', offset: 0 })).toEqual(['e', null, 'r', 0]);
  });

  it('ignores elements after from, as version 1 ignores unknown fields', () => {
    expect(jsonV2Codec.decodeFromServer('["e",1,"r",3,"x","u1",{"later":true}]', false)).toEqual({
      t: 'push',
      event: 'e',
      data: 1,
      room: 'r',
      offset: 3,
      epoch: 'x',
      from: 'u1',
    });
  });

  it('writes from at position 5, nulls before it, and refuses a from that is not a string', () => {
    const push = { t: 'push', event: 'm', data: 'hi', room: 'lobby', from: 'anonymous:c1' } as const;
    expect(jsonV2Codec.encode(push)).toBe('["m","hi","lobby",null,null,"anonymous:c1"]');
    expect(jsonV2Codec.decodeFromServer('["m","hi","lobby",null,null,"anonymous:c1"]', false)).toEqual(push);
    expect(() => jsonV2Codec.decodeFromServer('["m","hi","lobby",null,null,7]', false)).toThrow(/from/);
  });

  it('keeps decoding client frames exactly as version 1 (an array from a client is not an envelope)', () => {
    expect(errorOf(() => jsonV2Codec.decodeFromClient('["e",1]', false)).code).toBe('NOT_AN_OBJECT');
    expect(errorOf(() => msgpackV2Codec.decodeFromClient(pack(['e', 1]), true)).code).toBe('NOT_AN_OBJECT');
  });
});

// Hostile compact pushes, as JSON text for the JSON codec and re-packed as msgpack for the other.
const HOSTILE: ReadonlyArray<{ name: string; json: string; code: ProtocolErrorCode }> = [
  { name: 'empty array', json: '[]', code: 'MISSING_FIELD' },
  { name: 'null event', json: '[null,1]', code: 'INVALID_FIELD' },
  { name: 'numeric event', json: '[1,1]', code: 'INVALID_FIELD' },
  { name: 'empty event', json: '["",1]', code: 'INVALID_FIELD' },
  { name: 'event of 257 characters', json: `["${'x'.repeat(257)}",1]`, code: 'INVALID_FIELD' },
  { name: 'numeric room', json: '["e",1,7]', code: 'INVALID_FIELD' },
  { name: 'empty room', json: '["e",1,""]', code: 'INVALID_FIELD' },
  { name: 'room of 1025 characters', json: `["e",1,"${'r'.repeat(1025)}"]`, code: 'INVALID_FIELD' },
  { name: 'negative offset', json: '["e",1,"r",-1]', code: 'INVALID_FIELD' },
  { name: 'fractional offset', json: '["e",1,"r",1.5]', code: 'INVALID_FIELD' },
  { name: 'string offset', json: '["e",1,"r","1"]', code: 'INVALID_FIELD' },
  { name: 'numeric epoch', json: '["e",1,"r",1,2]', code: 'INVALID_FIELD' },
  { name: 'forbidden key in data', json: '["e",{"__proto__":{"x":1}}]', code: 'FORBIDDEN_KEY' },
  { name: 'forbidden key after epoch', json: '["e",1,"r",1,"x",{"constructor":1}]', code: 'FORBIDDEN_KEY' },
  { name: 'data nested 65 levels', json: `["e",${'['.repeat(65)}1${']'.repeat(65)}]`, code: 'TOO_DEEP' },
  { name: 'the version 1 object form', json: '{"t":"push","event":"e","data":1}', code: 'UNKNOWN_TYPE' },
];

describe.each([
  ['JSON', createJsonV2Codec({ maxBytes: 65_536 }), (json: string): string | Uint8Array => json],
  [
    'msgpack',
    createMsgpackV2Codec({ maxBytes: 65_536 }),
    (json: string): string | Uint8Array => pack(JSON.parse(json) as unknown),
  ],
] as const)('hostile compact pushes (%s)', (_name, codec: Codec, frame) => {
  it.each(HOSTILE)('$name -> $code', ({ json, code }) => {
    const error = errorOf(() => codec.decodeFromServer(frame(json), codec.binary));
    expect(error.code).toBe(code);
    expect(error.closeCode).toBe(4000);
  });

  it('accepts data nested 64 levels', () => {
    const json = `["e",${'['.repeat(64)}1${']'.repeat(64)}]`;
    expect(codec.decodeFromServer(frame(json), codec.binary)).toMatchObject({ t: 'push', event: 'e' });
  });

  it('refuses the wrong frame type and oversize frames with their close codes', () => {
    const wrong = codec.binary ? '["e",1]' : new TextEncoder().encode('["e",1]');
    expect(errorOf(() => codec.decodeFromServer(wrong, !codec.binary)).code).toBe('WRONG_FRAME_TYPE');
    const big = errorOf(() => codec.decodeFromServer(frame(`["e","${'x'.repeat(70_000)}"]`), codec.binary));
    expect([big.code, big.closeCode]).toEqual(['TOO_LARGE', 4004]);
  });
});
