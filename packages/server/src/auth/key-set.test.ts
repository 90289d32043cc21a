import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { resolveKeySet, selectKeys } from './key-set.js';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
function pem(pair: { publicKey: KeyObject; privateKey: KeyObject }): { publicKey: string; privateKey: string } {
  return {
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
const rsa = pem(generateKeyPairSync('rsa', { modulusLength: 2048 }));
const ec384 = pem(generateKeyPairSync('ec', { namedCurve: 'P-384' }));
const ed = pem(generateKeyPairSync('ed25519'));

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveKeySet', () => {
  it('infers algorithms from the keys', () => {
    expect(resolveKeySet({ secret: SECRET }).algorithms).toEqual(['HS256']);
    expect(resolveKeySet({ publicKey: rsa.publicKey }).algorithms).toEqual(['RS256']);
    expect(resolveKeySet({ publicKey: ec384.publicKey }).algorithms).toEqual(['ES384']);
    expect(resolveKeySet({ secret: SECRET, publicKey: { a: rsa.publicKey, b: ec384.publicKey } }).algorithms).toEqual([
      'HS256',
      'RS256',
      'ES384',
    ]);
  });

  it('gives each key only the configured algorithms of its type', () => {
    const set = resolveKeySet({
      secret: SECRET,
      publicKey: rsa.publicKey,
      algorithms: ['HS256', 'HS512', 'RS256', 'PS256'],
    });
    expect(set.keys.map((k) => [k.key.type, k.algorithms])).toEqual([
      ['secret', ['HS256', 'HS512']],
      ['public', ['RS256', 'PS256']],
    ]);
  });

  it('refuses none and unknown algorithms', () => {
    expect(configError(() => resolveKeySet({ secret: SECRET, algorithms: ['none'] })).message).toBe(
      'auth.algorithms: "none" is never allowed',
    );
    expect(configError(() => resolveKeySet({ secret: SECRET, algorithms: ['hs256'] })).message).toMatch(
      /unknown algorithm "hs256"/,
    );
    expect(configError(() => resolveKeySet({ secret: SECRET, algorithms: [] })).key).toBe('auth.algorithms');
  });

  it('refuses HS* without a secret and a secret without HS*', () => {
    expect(
      configError(() => resolveKeySet({ publicKey: rsa.publicKey, algorithms: ['RS256', 'HS256'] })).message,
    ).toMatch(/^auth\.secret: required by HS256/);
    expect(
      configError(() => resolveKeySet({ secret: SECRET, publicKey: rsa.publicKey, algorithms: ['RS256'] })).message,
    ).toMatch(/^auth\.secret: set, but auth\.algorithms \(RS256\) has no HS\* algorithm/);
  });

  it('refuses RS/ES without a public key and a public key without RS/ES', () => {
    expect(configError(() => resolveKeySet({ secret: SECRET, algorithms: ['HS256', 'RS256'] })).key).toBe(
      'auth.publicKey',
    );
    expect(
      configError(() => resolveKeySet({ publicKey: rsa.publicKey, algorithms: ['HS256'], secret: SECRET })).message,
    ).toMatch(/^auth\.publicKey: set, but/);
  });

  it('refuses a key whose type fits none of the algorithms, and an algorithm no key can verify', () => {
    expect(configError(() => resolveKeySet({ publicKey: { ec: ec384.publicKey }, algorithms: ['ES256'] })).key).toBe(
      'auth.publicKey.ec',
    );
    expect(configError(() => resolveKeySet({ publicKey: rsa.publicKey, algorithms: ['RS256', 'ES256'] })).message).toBe(
      'auth.algorithms: no configured key can verify ES256',
    );
  });

  it('refuses short secrets, private keys, garbage, small RSA keys and unsupported key types', () => {
    expect(configError(() => resolveKeySet({ secret: 'short' })).message).toBe(
      'auth.secret: must be at least 32 bytes (got 5)',
    );
    expect(configError(() => resolveKeySet({ secret: { k1: 'short' } })).key).toBe('auth.secret.k1');
    expect(configError(() => resolveKeySet({ secret: {} })).key).toBe('auth.secret');
    expect(configError(() => resolveKeySet({ publicKey: rsa.privateKey })).message).toMatch(/private key/);
    expect(configError(() => resolveKeySet({ publicKey: 'not a key' })).message).toMatch(/expected a PEM public key/);
    const small = pem(generateKeyPairSync('rsa', { modulusLength: 1024 }));
    expect(configError(() => resolveKeySet({ publicKey: small.publicKey })).message).toMatch(/at least 2048 bits/);
    expect(configError(() => resolveKeySet({ publicKey: ed.publicKey })).message).toMatch(
      /unsupported key type ed25519/,
    );
  });
});

describe('selectKeys', () => {
  const set = resolveKeySet({ secret: { a: SECRET, b: `${SECRET}-b` }, publicKey: rsa.publicKey });

  it('returns the named key, every key of the type without kid, and undefined for an unknown kid', () => {
    expect(selectKeys(set, 'HS256', 'b')?.map((k) => k.kid)).toEqual(['b']);
    expect(selectKeys(set, 'HS256', undefined)?.map((k) => k.kid)).toEqual(['a', 'b']);
    expect(selectKeys(set, 'HS256', 'c')).toBeUndefined();
  });

  it('lets unnamed keys answer any kid', () => {
    expect(selectKeys(set, 'RS256', 'whatever')?.map((k) => k.key.asymmetricKeyType)).toEqual(['rsa']);
  });
});
