import { describe, expect, it } from 'vitest';
import { jsonCodec, type Codec, type CodecName } from '@switchyard/protocol';
import { msgpackCodec } from '@switchyard/protocol/msgpack';
import { negotiateSubprotocol } from './negotiate.js';

const both = new Map<CodecName, Codec>([
  ['json', jsonCodec],
  ['msgpack', msgpackCodec],
]);
const jsonOnly = new Map<CodecName, Codec>([['json', jsonCodec]]);

describe('negotiateSubprotocol', () => {
  it('picks the first offered codec the server enables and echoes it', () => {
    expect(negotiateSubprotocol('switchyard.v1.msgpack, switchyard.v1.json', both, jsonCodec)).toMatchObject({ ok: true, codec: msgpackCodec, echo: 'switchyard.v1.msgpack' });
    expect(negotiateSubprotocol('switchyard.v1.msgpack, switchyard.v1.json', jsonOnly, jsonCodec)).toMatchObject({ ok: true, codec: jsonCodec, echo: 'switchyard.v1.json' });
  });

  it('never echoes the bearer entry; no codec offered means JSON without echo', () => {
    expect(negotiateSubprotocol('switchyard.bearer.abc.def.ghi', both, jsonCodec)).toEqual({ ok: true, codec: jsonCodec, echo: '' });
    expect(negotiateSubprotocol('', both, jsonCodec)).toEqual({ ok: true, codec: jsonCodec, echo: '' });
    expect(negotiateSubprotocol('chat, superchat', both, jsonCodec)).toEqual({ ok: true, codec: jsonCodec, echo: '' });
  });

  it('refuses offers of only unknown switchyard codecs, or a disabled one', () => {
    expect(negotiateSubprotocol('switchyard.v2.json', both, jsonCodec)).toEqual({ ok: false, offered: 'switchyard.v2.json' });
    expect(negotiateSubprotocol('switchyard.v1.msgpack', jsonOnly, jsonCodec)).toEqual({ ok: false, offered: 'switchyard.v1.msgpack' });
    expect(negotiateSubprotocol('', new Map([['msgpack', msgpackCodec]]), undefined)).toEqual({ ok: false, offered: '' });
  });
});
