import { describe, expectTypeOf, it } from 'vitest';
import type { Codec, Frame } from './codec.js';
import { jsonCodec } from './codec-json.js';
import { msgpackCodec } from './codec-msgpack.js';
import type { ClientEnvelope, Envelope, ServerEnvelope } from './envelope.js';
import { validateClientEnvelope, validateServerEnvelope } from './validate.js';

describe('codec types', () => {
  it('decodes into direction-specific unions that narrow on t', () => {
    const fromClient = jsonCodec.decodeFromClient('', false);
    expectTypeOf(fromClient).toEqualTypeOf<ClientEnvelope>();
    expectTypeOf(msgpackCodec.decodeFromServer(new ArrayBuffer(0), true)).toEqualTypeOf<ServerEnvelope>();
    if (fromClient.t === 'join') expectTypeOf(fromClient.room).toEqualTypeOf<string>();
    if (fromClient.t === 'reply' && !fromClient.ok) expectTypeOf(fromClient.error.code).toMatchTypeOf<string>();
    // @ts-expect-error a client never sends welcome
    if (fromClient.t === 'welcome') void fromClient;
  });

  it('encodes any envelope, and only envelopes', () => {
    expectTypeOf(jsonCodec).toEqualTypeOf<Codec>();
    expectTypeOf(jsonCodec.encode).parameter(0).toEqualTypeOf<Envelope>();
    expectTypeOf(jsonCodec.encode({ t: 'ping' })).toEqualTypeOf<Frame>();
    // @ts-expect-error unknown kind
    jsonCodec.encode({ t: 'subscribe' });
    // @ts-expect-error join needs an id
    jsonCodec.encode({ t: 'join', room: 'r' });
  });

  it('validates unknown into envelopes', () => {
    expectTypeOf(validateClientEnvelope).parameter(0).toEqualTypeOf<unknown>();
    expectTypeOf(validateClientEnvelope({})).toEqualTypeOf<ClientEnvelope>();
    expectTypeOf(validateServerEnvelope({})).toEqualTypeOf<ServerEnvelope>();
  });
});
