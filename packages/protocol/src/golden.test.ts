import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { jsonCodec } from './codec-json.js';
import { msgpackCodec } from './codec-msgpack.js';
import type { Envelope } from './envelope.js';
import { ENVELOPE_TYPES } from './envelope.js';

interface Golden {
  name: string;
  direction: 'client-to-server' | 'server-to-client';
  envelope: Envelope;
  json: string;
  msgpackHex: string;
}

const golden = JSON.parse(readFileSync(new URL('../fixtures/golden.json', import.meta.url), 'utf8')) as Golden[];

describe('golden wire fixtures', () => {
  it('are exported as @switchyard/protocol/fixtures/golden.json', () => {
    const resolved = createRequire(import.meta.url).resolve('@switchyard/protocol/fixtures/golden.json');
    expect(resolved).toBe(fileURLToPath(new URL('../fixtures/golden.json', import.meta.url)));
  });

  it('cover every envelope kind, in each direction it may travel', () => {
    const seen = new Set(golden.map((g) => `${g.envelope.t}/${g.direction}`));
    const kinds = new Set(golden.map((g) => g.envelope.t));
    expect([...kinds].sort()).toEqual([...ENVELOPE_TYPES].sort());
    for (const t of ['request', 'reply', 'ping', 'pong']) {
      expect(seen).toContain(`${t}/client-to-server`);
      expect(seen).toContain(`${t}/server-to-client`);
    }
  });

  describe.each(golden)('$name ($direction)', ({ direction, envelope, json, msgpackHex }) => {
    const decode = direction === 'client-to-server' ? 'decodeFromClient' : 'decodeFromServer';

    it('JSON: encodes to the fixture text and decodes back', () => {
      expect(jsonCodec.encode(envelope)).toBe(json);
      expect(jsonCodec[decode](json, false)).toEqual(envelope);
      expect(jsonCodec[decode](new TextEncoder().encode(json), false)).toEqual(envelope);
    });

    it('msgpack: encodes to the fixture bytes and decodes back', () => {
      expect(Buffer.from(msgpackCodec.encode(envelope)).toString('hex')).toBe(msgpackHex);
      const bytes = Uint8Array.from(Buffer.from(msgpackHex, 'hex'));
      expect(msgpackCodec[decode](bytes.buffer, true)).toEqual(envelope);
    });
  });
});
