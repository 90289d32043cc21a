import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { InvalidOptionsError, resolveOptions } from './resolve-options.js';

describe('resolveOptions', () => {
  it('fills the documented defaults', () => {
    const r = resolveOptions({}, { descriptorLimit: 1024, totalMemory: 8 * 1024 ** 3 });
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
      maxBufferedBytes: 1024 ** 3,
      messagesPerSecond: 100,
      messageBurst: 200,
      maxRoomsPerConnection: 100,
      presenceNoticeLimit: 1000,
      maxRoomNameLength: 128,
      maxConnections: 1024 - 103,
      maxConnectionsPerUser: 0,
      maxConnectionsPerIp: 0,
      idleTimeoutSec: 60,
      heartbeatMs: 25_000,
      maxHttpBodyBytes: 1_048_576,
      requestTimeoutMs: 0,
    });
    expect(resolveOptions({ auth: { secret: 's' } }).host).toBe('0.0.0.0');
  });

  it('caps send buffers at 1/8 of memory, at least 64 MiB, unless set (0: no cap)', () => {
    const limits = (l: { maxBufferedBytes?: number }, totalMemory: number) =>
      resolveOptions({ limits: l }, { descriptorLimit: 1024, totalMemory }).limits.maxBufferedBytes;
    expect(limits({}, 16 * 1024 ** 3)).toBe(2 * 1024 ** 3);
    expect(limits({}, 256 * 1024 ** 2)).toBe(64 * 1024 ** 2);
    expect(limits({ maxBufferedBytes: 0 }, 16 * 1024 ** 3)).toBe(0);
    expect(limits({ maxBufferedBytes: 5_000_000 }, 16 * 1024 ** 3)).toBe(5_000_000);
    expect(() => limits({ maxBufferedBytes: -1 }, 16 * 1024 ** 3)).toThrow(/maxBufferedBytes/);
  });

  it('refuses out-of-range values', () => {
    expect(() => resolveOptions({ limits: { maxPayload: -1 } })).toThrow(ConfigError);
    expect(() => resolveOptions({ limits: { maxPayload: 10 } })).toThrow(
      'limits.maxPayload: expected an integer 1024-268435456',
    );
    expect(() => resolveOptions({ codecs: [] })).toThrow(/^codecs: expected a comma-separated list/);
    expect(() => resolveOptions({ port: 1.5 })).toThrow('port: expected an integer 0-65535');
    // uWS would abort the process on these.
    expect(() => resolveOptions({ limits: { idleTimeoutSec: 4 } })).toThrow(/expected 0 or an integer 8-960/);
    expect(() => resolveOptions({ limits: { idleTimeoutSec: 961 } })).toThrow(/expected 0 or an integer 8-960/);
    expect(resolveOptions({ limits: { idleTimeoutSec: 0 } }).limits.idleTimeoutSec).toBe(0);
  });

  it('derives the server-wide connection cap from the descriptor limit unless it is set', () => {
    expect(resolveOptions({}, { descriptorLimit: 256 }).limits.maxConnections).toBe(256 - 64);
    expect(resolveOptions({}, { descriptorLimit: 20_000 }).limits.maxConnections).toBe(18_000);
    expect(resolveOptions({}, { descriptorLimit: Number.POSITIVE_INFINITY }).limits.maxConnections).toBe(0);
    expect(resolveOptions({}, { descriptorLimit: undefined }).limits.maxConnections).toBe(0);
    expect(resolveOptions({ limits: { maxConnections: 10 } }, { descriptorLimit: 256 }).limits.maxConnections).toBe(10);
    expect(resolveOptions({ limits: { maxConnections: 0 } }, { descriptorLimit: 256 }).limits.maxConnections).toBe(0);
    expect(resolveOptions({}, { descriptorLimit: 256 }).descriptorLimit).toBe(256);
  });

  it('refuses trustedProxyHeader without trustedProxies: a direct client could choose its IP', () => {
    expect(() => resolveOptions({ trustedProxyHeader: 'x-forwarded-for' })).toThrow(
      /^trustedProxyHeader: requires SWITCHYARD_TRUSTED_PROXIES \(--trusted-proxies, trustedProxies\)/,
    );
    expect(() => resolveOptions({ trustedProxyHeader: 'x-forwarded-for', trustedProxies: [] })).toThrow(
      InvalidOptionsError,
    );
    expect(() =>
      resolveOptions({ trustedProxyHeader: 'x-forwarded-for', trustedProxies: ['10.0.0.0/8'] }),
    ).not.toThrow();
  });

  it('keeps InvalidOptionsError as the deprecated name of ConfigError', () => {
    expect(InvalidOptionsError).toBe(ConfigError);
  });
});
