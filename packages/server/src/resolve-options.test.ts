import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, resolveOptions } from './resolve-options.js';

describe('resolveOptions', () => {
  it('fills the documented defaults', () => {
    const r = resolveOptions({});
    expect(r).toMatchObject({
      host: '127.0.0.1',
      port: 9001,
      allowQueryToken: true,
      allowAnonymous: false,
      expiryGraceMs: 1000,
      codecs: ['json', 'msgpack'],
      metrics: true,
      shutdownGraceMs: 10_000,
    });
    expect(r.limits).toEqual({
      maxPayload: 65_536,
      maxBackpressure: 1_048_576,
      messagesPerSecond: 100,
      messageBurst: 200,
      maxRoomsPerConnection: 100,
      maxRoomNameLength: 128,
      maxConnectionsPerUser: 0,
      maxConnectionsPerIp: 0,
      idleTimeoutSec: 60,
      heartbeatMs: 25_000,
      requestTimeoutMs: 0,
    });
    expect(resolveOptions({ auth: { secret: 's' } }).host).toBe('0.0.0.0');
  });

  it('refuses out-of-range values', () => {
    expect(() => resolveOptions({ limits: { maxPayload: -1 } })).toThrow(InvalidOptionsError);
    expect(() => resolveOptions({ limits: { maxPayload: 10 } })).toThrow(/at least 1024/);
    expect(() => resolveOptions({ codecs: [] })).toThrow(/at least one codec/);
    expect(() => resolveOptions({ port: 1.5 })).toThrow(/port/);
    // uWS would abort the process on these.
    expect(() => resolveOptions({ limits: { idleTimeoutSec: 4 } })).toThrow(/between 8 and 960/);
    expect(() => resolveOptions({ limits: { idleTimeoutSec: 961 } })).toThrow(/between 8 and 960/);
    expect(resolveOptions({ limits: { idleTimeoutSec: 0 } }).limits.idleTimeoutSec).toBe(0);
  });
});
