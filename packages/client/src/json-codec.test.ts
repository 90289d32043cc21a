import { readFileSync } from 'node:fs';
import { jsonCodec } from '@switchyard/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { json } from './json-codec.js';

interface Golden {
  name: string;
  direction: 'client-to-server' | 'server-to-client' | 'both';
  envelope: Record<string, unknown>;
  json: string;
}

const read = (file: string): Golden[] =>
  JSON.parse(readFileSync(new URL(`../../protocol/fixtures/${file}`, import.meta.url), 'utf8')) as Golden[];
// Version 2 differs from version 1 only in `push`: the client reads version 2 pushes and every
// other kind as golden.json gives it.
const golden = read('golden.json').filter((g) => g.envelope['t'] !== 'push');
const goldenV2 = read('golden-v2.json') as (Golden & { decoded?: Record<string, unknown> })[];

describe('client JSON codec', () => {
  const fromServer = golden.filter((g) => g.direction !== 'client-to-server');
  const fromClient = golden.filter((g) => g.direction !== 'server-to-client');

  it('has fixtures for both directions', () => {
    expect(fromServer.length).toBeGreaterThan(5);
    expect(fromClient.length).toBeGreaterThan(5);
  });

  it.each(fromServer.map((g) => [g.name, g] as const))('decodes the golden server frame: %s', (_name, g) => {
    expect(json.decodeFromServer(g.json, false)).toEqual(g.envelope);
  });

  it.each(goldenV2.map((g) => [g.name, g] as const))('decodes the golden version 2 push: %s', (_name, g) => {
    // Offset and epoch are kept: the client recovers rooms with history from them.
    expect(json.decodeFromServer(g.json, false)).toEqual(g.decoded ?? g.envelope);
  });

  it.each(fromClient.map((g) => [g.name, g] as const))('encodes the golden client frame: %s', (_name, g) => {
    expect(json.encode(g.envelope as never)).toBe(g.json);
  });

  it('uses the JSON subprotocol and text frames', () => {
    expect(json.subprotocol).toBe('switchyard.v2.json');
  });

  it.each([
    ['binary frame', new Uint8Array([123, 125]), true, /binary/],
    ['not JSON', '{"t":', false, SyntaxError],
    ['empty compact push', '[]', false, /invalid server frame/],
    ['compact push with a numeric event', '[1,2]', false, /invalid server frame/],
    ['compact push with a numeric room', '["e",1,5]', false, /invalid server frame/],
    ['null', 'null', false, /invalid server frame/],
    ['unknown type', '{"t":"nope"}', false, /invalid server frame/],
    ['client-only type', '{"t":"join","id":1,"room":"r"}', false, /invalid server frame/],
    ['prototype key as type', '{"t":"__proto__"}', false, /invalid server frame/],
    ['push without event', '{"t":"push","data":1}', false, /invalid server frame/],
    ['push with a numeric room', '{"t":"push","event":"e","room":5}', false, /invalid server frame/],
    ['compact push with a string offset', '["e",1,"r","42","e1"]', false, /invalid server frame/],
    ['compact push with a numeric epoch', '["e",1,"r",42,7]', false, /invalid server frame/],
    [
      'GAP notice with a string offset',
      '{"t":"notice","code":"GAP","room":"r","offset":"3"}',
      false,
      /invalid server frame/,
    ],
    ['reply with a string id', '{"t":"reply","id":"1","ok":true}', false, /invalid server frame/],
    ['failed reply without error', '{"t":"reply","id":1,"ok":false}', false, /invalid server frame/],
    [
      'failed reply with a bad error',
      '{"t":"reply","id":1,"ok":false,"error":{"code":1}}',
      false,
      /invalid server frame/,
    ],
    ['welcome without limits', '{"t":"welcome","v":1,"connectionId":"c","userId":"u"}', false, /invalid server frame/],
    [
      'welcome with bad limits',
      '{"t":"welcome","v":1,"connectionId":"c","userId":"u","limits":{"maxPayload":"big","heartbeatMs":1}}',
      false,
      /invalid server frame/,
    ],
    [
      'presence count without its count',
      '{"t":"presence","room":"r","change":"count","userId":"u","connections":1}',
      false,
      /invalid server frame/,
    ],
    [
      'presence without room',
      '{"t":"presence","change":"join","userId":"u","connections":1}',
      false,
      /invalid server frame/,
    ],
  ] as const)('refuses %s', (_name, frame, isBinary, error) => {
    expect(() => json.decodeFromServer(frame, isBinary)).toThrow(error);
  });

  it('accepts everything the strict protocol validator accepts from a server', () => {
    for (const g of fromServer) {
      expect(json.decodeFromServer(g.json, false)).toEqual(jsonCodec.decodeFromServer(g.json, false));
    }
  });

  it('never changes a prototype through __proto__ keys in a frame', () => {
    const frame =
      '{"t":"push","event":"e","__proto__":{"room":5,"polluted":1},"data":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}}';
    const envelope = json.decodeFromServer(frame, false) as { room?: unknown; data: object };
    expect(Object.getPrototypeOf(envelope)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(envelope.data)).toBe(Object.prototype);
    // The own `__proto__` key is plain data: it neither sets the prototype nor smuggles in a room.
    expect(envelope.room).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('on any input either returns a known server envelope or throws SyntaxError / TypeError', () => {
    const kinds = [
      'welcome',
      'reply',
      'request',
      'push',
      'presence',
      'notice',
      'ping',
      'pong',
      'join',
      '__proto__',
      'toString',
    ];
    const envelopeLike = fc
      .record({ t: fc.constantFrom(...kinds) })
      .chain((head) =>
        fc
          .dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }))
          .map((rest) => ({ ...rest, ...head })),
      );
    const frame = fc.oneof(
      fc.string(),
      fc.json(),
      envelopeLike.map((e) => JSON.stringify(e)),
    );
    fc.assert(
      fc.property(frame, (text) => {
        let envelope: { t: unknown };
        try {
          envelope = json.decodeFromServer(text, false);
        } catch (error) {
          expect(error instanceof SyntaxError || error instanceof TypeError).toBe(true);
          return;
        }
        expect(['welcome', 'reply', 'request', 'push', 'presence', 'notice', 'ping', 'pong']).toContain(envelope.t);
        expect(Object.getPrototypeOf(envelope)).toBe(Object.prototype);
      }),
      { numRuns: 2_000 },
    );
  });
});
