import { describe, expect, it } from 'vitest';
import { jsonCodec, jsonV2Codec } from '@switchyard/protocol';
import { msgpackCodec, msgpackV2Codec } from '@switchyard/protocol/msgpack';
import { negotiateSubprotocol } from './negotiate.js';

const both = [jsonV2Codec, jsonCodec, msgpackV2Codec, msgpackCodec];
const jsonOnly = [jsonV2Codec, jsonCodec];

describe('negotiateSubprotocol', () => {
  it('picks the first offered codec the server enables and echoes it', () => {
    expect(negotiateSubprotocol('switchyard.v1.msgpack, switchyard.v1.json', both, jsonCodec)).toMatchObject({
      ok: true,
      codec: msgpackCodec,
      echo: 'switchyard.v1.msgpack',
    });
    expect(negotiateSubprotocol('switchyard.v1.msgpack, switchyard.v1.json', jsonOnly, jsonCodec)).toMatchObject({
      ok: true,
      codec: jsonCodec,
      echo: 'switchyard.v1.json',
    });
  });

  it('picks the protocol version the client offers first, in either codec', () => {
    expect(negotiateSubprotocol('switchyard.v2.json, switchyard.v1.json', both, jsonCodec)).toMatchObject({
      ok: true,
      codec: jsonV2Codec,
      echo: 'switchyard.v2.json',
    });
    expect(negotiateSubprotocol('switchyard.v1.json, switchyard.v2.json', both, jsonCodec)).toMatchObject({
      ok: true,
      codec: jsonCodec,
      echo: 'switchyard.v1.json',
    });
    expect(negotiateSubprotocol('switchyard.v2.msgpack', both, jsonCodec)).toMatchObject({
      ok: true,
      codec: msgpackV2Codec,
      echo: 'switchyard.v2.msgpack',
    });
    expect(negotiateSubprotocol('switchyard.v2.msgpack, switchyard.v2.json', jsonOnly, jsonCodec)).toMatchObject({
      ok: true,
      codec: jsonV2Codec,
    });
  });

  it('never echoes the bearer entry; no codec offered means JSON without echo', () => {
    expect(negotiateSubprotocol('switchyard.bearer.abc.def.ghi', both, jsonCodec)).toEqual({
      ok: true,
      codec: jsonCodec,
      echo: '',
    });
    expect(negotiateSubprotocol('', both, jsonCodec)).toEqual({ ok: true, codec: jsonCodec, echo: '' });
    expect(negotiateSubprotocol('chat, superchat', both, jsonCodec)).toEqual({ ok: true, codec: jsonCodec, echo: '' });
  });

  it('refuses offers of only unknown switchyard codecs, or a disabled one', () => {
    expect(negotiateSubprotocol('switchyard.v3.json', both, jsonCodec)).toEqual({
      ok: false,
      offered: 'switchyard.v3.json',
    });
    expect(negotiateSubprotocol('switchyard.v1.msgpack', jsonOnly, jsonCodec)).toEqual({
      ok: false,
      offered: 'switchyard.v1.msgpack',
    });
    expect(negotiateSubprotocol('', [msgpackV2Codec, msgpackCodec], undefined)).toEqual({ ok: false, offered: '' });
  });
});
