import { describe, expect, it } from 'vitest';
import { describeBinding, listeningLine } from './listening-line.js';

describe('the listening line', () => {
  it('says "all interfaces" for a wildcard bind, and connects through loopback', () => {
    expect(listeningLine('0.0.0.0', 9001)).toBe(
      'switchyard listening on all interfaces, 0.0.0.0:9001 (connect: ws://127.0.0.1:9001/ws, health: http://127.0.0.1:9001/healthz)',
    );
    expect(describeBinding('::', 9001)).toBe('all interfaces, [::]:9001');
  });

  it('says "loopback only" for loopback addresses', () => {
    expect(listeningLine('127.0.0.1', 9001)).toBe(
      'switchyard listening on loopback only, 127.0.0.1:9001 (connect: ws://127.0.0.1:9001/ws, health: http://127.0.0.1:9001/healthz)',
    );
    expect(describeBinding('::1', 80)).toBe('loopback only, [::1]:80');
  });

  it('says "one interface" for any other address', () => {
    expect(describeBinding('10.0.0.5', 9001)).toBe('one interface, 10.0.0.5:9001');
  });
});
