import { describe, expect, it } from 'vitest';
import { ConnectionLimits, type ConnectionLease } from './connection-limits.js';

function lease(r: ReturnType<ConnectionLimits['tryAcquire']>): ConnectionLease {
  if (!r.ok) throw new Error(`refused by ${r.scope}`);
  return r.lease;
}

describe('ConnectionLimits', () => {
  it('caps connections per user across IPs', () => {
    const l = new ConnectionLimits({ maxConnectionsPerUser: 2, maxConnectionsPerIp: 0 });
    const a = lease(l.tryAcquire('u1', '10.0.0.1'));
    lease(l.tryAcquire('u1', '10.0.0.2'));
    expect(l.tryAcquire('u1', '10.0.0.3')).toEqual({ ok: false, scope: 'user', limit: 2 });
    expect(l.tryAcquire('u2', '10.0.0.3').ok).toBe(true);
    a.release();
    expect(l.tryAcquire('u1', '10.0.0.3').ok).toBe(true);
  });

  it('caps connections per IP across users', () => {
    const l = new ConnectionLimits({ maxConnectionsPerUser: 0, maxConnectionsPerIp: 1 });
    lease(l.tryAcquire('u1', '10.0.0.1'));
    expect(l.tryAcquire('u2', '10.0.0.1')).toEqual({ ok: false, scope: 'ip', limit: 1 });
    expect(l.tryAcquire('u2', '10.0.0.2').ok).toBe(true);
  });

  it('a refusal takes no slot', () => {
    const l = new ConnectionLimits({ maxConnectionsPerUser: 1, maxConnectionsPerIp: 5 });
    lease(l.tryAcquire('u1', 'a'));
    for (let i = 0; i < 10; i++) expect(l.tryAcquire('u1', 'a').ok).toBe(false);
    expect(l.ipCount('a')).toBe(1);
  });

  it('release is idempotent and counters vanish at zero', () => {
    const l = new ConnectionLimits({ maxConnectionsPerUser: 3, maxConnectionsPerIp: 3 });
    const a = lease(l.tryAcquire('u1', 'a'));
    const b = lease(l.tryAcquire('u1', 'a'));
    a.release();
    a.release();
    expect(l.userCount('u1')).toBe(1);
    b.release();
    expect(l.userCount('u1')).toBe(0);
    expect(l.trackedKeys).toBe(0);
  });

  it('0 means unlimited', () => {
    const l = new ConnectionLimits({ maxConnectionsPerUser: 0, maxConnectionsPerIp: 0 });
    for (let i = 0; i < 1000; i++) expect(l.tryAcquire('u', 'ip').ok).toBe(true);
  });

  it('keeps no per-user or per-IP counters while those limits are off', () => {
    const l = new ConnectionLimits({ maxConnectionsPerUser: 0, maxConnectionsPerIp: 0 });
    const leases = Array.from({ length: 100 }, (_, i) => lease(l.tryAcquire(`u${i}`, `10.0.0.${i}`)));
    expect(l.trackedKeys).toBe(0);
    expect(l.total).toBe(100);
    for (const held of leases) held.release();
    expect(l.total).toBe(0);
  });

  it('counts per IP only when the IP limit is on', () => {
    const l = new ConnectionLimits({ maxConnectionsPerUser: 0, maxConnectionsPerIp: 2 });
    const a = lease(l.tryAcquire('u1', 'a'));
    expect([l.ipCount('a'), l.userCount('u1')]).toEqual([1, 0]);
    a.release();
    expect(l.trackedKeys).toBe(0);
  });

  it('caps the whole server first, and frees the slot on release', () => {
    const l = new ConnectionLimits({ maxConnections: 2, maxConnectionsPerUser: 1, maxConnectionsPerIp: 0 });
    const a = lease(l.tryAcquire('u1', 'a'));
    lease(l.tryAcquire('u2', 'b'));
    expect(l.tryAcquire('u1', 'c')).toEqual({ ok: false, scope: 'server', limit: 2 });
    expect(l.total).toBe(2);
    a.release();
    a.release();
    expect(l.total).toBe(1);
    expect(l.tryAcquire('u3', 'c').ok).toBe(true);
  });
});
