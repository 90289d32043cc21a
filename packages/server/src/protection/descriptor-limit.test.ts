import { describe, expect, it } from 'vitest';
import { connectionsForDescriptors, readDescriptorLimit } from './descriptor-limit.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            256                  4096                 files
Max locked memory         8388608              8388608              bytes
`;

describe('readDescriptorLimit', () => {
  it('reads the soft limit from /proc/self/limits', () => {
    expect(readDescriptorLimit({ readFile: () => LIMITS, ulimit: () => '1' })).toBe(256);
    expect(readDescriptorLimit({ readFile: () => LIMITS.replace('256    ', 'unlimited'), ulimit: () => '1' })).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it('falls back to ulimit -n in a child shell, and to undefined', () => {
    const missing = (): string => {
      throw new Error('ENOENT');
    };
    expect(readDescriptorLimit({ readFile: missing, ulimit: () => '1024\n' })).toBe(1024);
    expect(readDescriptorLimit({ readFile: missing, ulimit: () => 'unlimited\n' })).toBe(Number.POSITIVE_INFINITY);
    expect(readDescriptorLimit({ readFile: missing, ulimit: () => undefined })).toBeUndefined();
    expect(readDescriptorLimit({ readFile: missing, ulimit: () => 'nonsense' })).toBeUndefined();
  });

  it('reads this process', () => {
    expect(readDescriptorLimit()).toBeGreaterThan(0);
  });
});

describe('connectionsForDescriptors', () => {
  it('keeps max(64, 10 %) of the descriptors in reserve; no cap when unknown or unlimited', () => {
    expect(connectionsForDescriptors(256)).toBe(192);
    expect(connectionsForDescriptors(1024)).toBe(921);
    expect(connectionsForDescriptors(1_048_576)).toBe(943_718);
    expect(connectionsForDescriptors(32)).toBe(1);
    expect(connectionsForDescriptors(undefined)).toBe(0);
    expect(connectionsForDescriptors(Number.POSITIVE_INFINITY)).toBe(0);
  });
});
