import { describe, expect, it } from 'vitest';
import type { ServerOptions } from './options.js';
import { REDACTED, redactConfig } from './redact.js';

describe('redactConfig', () => {
  it('hides secrets, keys and the API key, keeps key ids and everything else', () => {
    const options: ServerOptions = {
      port: 9001,
      apiKey: 'an-api-key-that-is-long-enough',
      auth: {
        secret: { old: 's1', new: 's2' },
        publicKey: '-----BEGIN PUBLIC KEY-----',
        issuer: 'https://auth.example',
      },
    };
    const redacted = redactConfig(options);
    expect(redacted).toEqual({
      port: 9001,
      apiKey: REDACTED,
      auth: { secret: { old: REDACTED, new: REDACTED }, publicKey: REDACTED, issuer: 'https://auth.example' },
    });
    expect(JSON.stringify(redacted)).not.toMatch(/s1|s2|BEGIN|an-api-key/);
    // The input is left alone.
    expect(options.auth?.secret).toEqual({ old: 's1', new: 's2' });
  });

  it('adds nothing that was not set', () => {
    expect(redactConfig({ port: 1, auth: {} })).toEqual({ port: 1, auth: {} });
    expect(redactConfig({})).toEqual({});
  });
});
