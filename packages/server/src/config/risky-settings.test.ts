import { describe, expect, it } from 'vitest';
import { riskySettings } from './risky-settings.js';

const hardened = {
  port: 9001,
  metrics: true,
  metricsPort: 9464,
  apiKey: 'k'.repeat(40),
  allowedOrigins: ['https://app.example.com'],
  auth: { secret: 's'.repeat(32), allowQueryToken: false, allowAnonymous: false },
};

describe('riskySettings', () => {
  it('has nothing to say about a hardened configuration, or with metrics off', () => {
    expect(riskySettings(hardened)).toEqual([]);
    const { metricsPort: _unused, ...rest } = hardened;
    expect(riskySettings({ ...rest, metrics: false })).toEqual([]);
  });

  it('names each risky setting it sees, one warning each', () => {
    const warnings = riskySettings({
      port: 9001,
      apiKey: 'short-but-valid-key',
      auth: { secret: 's'.repeat(32), allowAnonymous: true },
    });
    expect(warnings).toHaveLength(5);
    expect(warnings[0]).toContain('/metrics is served on the public port 9001');
    expect(warnings[1]).toContain('apiKey has 19 characters');
    expect(warnings[2]).toContain('allowedOrigins is unset');
    expect(warnings[3]).toContain('auth.allowQueryToken is on');
    expect(warnings[4]).toContain('auth.allowAnonymous is on');
  });
});
