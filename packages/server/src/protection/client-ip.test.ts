import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { ClientIpResolver, normalizeIp } from './client-ip.js';

describe('normalizeIp', () => {
  it('canonicalises the forms uWS and proxies write', () => {
    expect(normalizeIp('0000:0000:0000:0000:0000:ffff:7f00:0001')).toBe('127.0.0.1');
    expect(normalizeIp('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(normalizeIp('0000:0000:0000:0000:0000:0000:0000:0001')).toBe('::1');
    expect(normalizeIp('2001:DB8::0:1')).toBe('2001:db8::1');
    expect(normalizeIp(' 192.0.2.7 ')).toBe('192.0.2.7');
  });
  it('refuses non-addresses', () => {
    for (const bad of ['', 'unknown', '1.2.3', '1.2.3.4.5', 'example.com', '::g'])
      expect(normalizeIp(bad)).toBeUndefined();
  });
});

describe('ClientIpResolver', () => {
  it('ignores forwarding headers unless a trusted header is configured', () => {
    const r = new ClientIpResolver();
    expect(r.headerName).toBeUndefined();
    expect(r.resolve('0000:0000:0000:0000:0000:ffff:7f00:0001', '6.6.6.6')).toBe('127.0.0.1');
  });

  it('takes the right-most hop of the trusted header; forged left entries are ignored', () => {
    const r = new ClientIpResolver({ trustedProxyHeader: 'X-Forwarded-For' });
    expect(r.headerName).toBe('x-forwarded-for');
    // The client forged "1.1.1.1"; the proxy appended the real peer 203.0.113.9.
    expect(r.resolve('10.0.0.2', '1.1.1.1, 203.0.113.9')).toBe('203.0.113.9');
    expect(r.resolve('10.0.0.2', '203.0.113.9')).toBe('203.0.113.9');
  });

  it('skips trusted proxies from the right and stops at the first untrusted hop', () => {
    const r = new ClientIpResolver({
      trustedProxyHeader: 'x-forwarded-for',
      trustedProxies: ['10.0.0.0/8', '192.0.2.1'],
    });
    expect(r.resolve('10.0.0.2', '6.6.6.6, 203.0.113.9, 192.0.2.1, 10.1.1.1')).toBe('203.0.113.9');
  });

  it('with trustedProxies, a peer that is not a proxy gets its socket address', () => {
    const r = new ClientIpResolver({ trustedProxyHeader: 'x-forwarded-for', trustedProxies: ['10.0.0.0/8'] });
    expect(r.resolve('198.51.100.4', '1.1.1.1')).toBe('198.51.100.4');
  });

  it('falls back to the socket address on a missing, empty or invalid header', () => {
    const r = new ClientIpResolver({ trustedProxyHeader: 'x-forwarded-for' });
    expect(r.resolve('10.0.0.2', undefined)).toBe('10.0.0.2');
    expect(r.resolve('10.0.0.2', '  ')).toBe('10.0.0.2');
    expect(r.resolve('10.0.0.2', '1.1.1.1, garbage')).toBe('10.0.0.2');
  });

  it('strips ports and brackets, and normalises IPv6', () => {
    const r = new ClientIpResolver({ trustedProxyHeader: 'x-real-ip' });
    expect(r.resolve('10.0.0.2', '203.0.113.9:51234')).toBe('203.0.113.9');
    expect(r.resolve('10.0.0.2', '[2001:DB8::1]:443')).toBe('2001:db8::1');
    expect(r.resolve('10.0.0.2', '::ffff:203.0.113.9')).toBe('203.0.113.9');
  });

  it('when every hop is trusted, uses the left-most', () => {
    const r = new ClientIpResolver({ trustedProxyHeader: 'x-forwarded-for', trustedProxies: ['10.0.0.0/8'] });
    expect(r.resolve('10.0.0.2', '10.0.0.9, 10.0.0.3')).toBe('10.0.0.9');
  });

  it('rejects invalid trusted proxy entries', () => {
    expect(() => new ClientIpResolver({ trustedProxies: ['nope'] })).toThrow(ConfigError);
    expect(() => new ClientIpResolver({ trustedProxies: ['10.0.0.0/33'] })).toThrow(/prefix/);
  });
});
