import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { AuthError, type AuthFailureReason } from './auth-error.js';
import { createTokenVerifier, MAX_TOKEN_LENGTH, signToken, type TokenVerifier } from './jwt.js';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const OTHER_SECRET = 'another-test-secret-of-at-least-32-bytes!!';
const rsa = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const rsa2 = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const ec = generateKeyPairSync('ec', {
  namedCurve: 'P-256',
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

const now = (): number => Math.floor(Date.now() / 1000);
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Builds a compact JWT by hand, for tokens jsonwebtoken refuses to produce. */
function handmade(header: object, payload: object, sign: (input: string) => string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign(input)}`;
}

function expectAuthError(
  verifier: TokenVerifier,
  token: string,
  reason: AuthFailureReason,
  message?: RegExp,
): AuthError {
  let caught: unknown;
  try {
    verifier.verify(token);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(AuthError);
  const error = caught as AuthError;
  expect(error.name).toBe('AuthError');
  expect(error.reason).toBe(reason);
  if (message !== undefined) expect(error.message).toMatch(message);
  if (token !== '') expect(error.message).not.toContain(token);
  return error;
}

describe('createTokenVerifier with HS256', () => {
  const verifier = createTokenVerifier({ secret: SECRET });

  it('accepts a valid token and returns its principal', () => {
    const exp = now() + 3600;
    const token = signToken({ sub: 'alice', rooms: ['chat:*'], exp, plan: 'pro' }, { secret: SECRET });
    const principal = verifier.verify(token);
    expect(principal.userId).toBe('alice');
    expect(principal.rooms).toEqual(['chat:*']);
    expect(principal.expiresAt).toBe(exp * 1000);
    expect(principal.claims['plan']).toBe('pro');
    expect(Object.isFrozen(principal.claims)).toBe(true);
    expect(Object.isFrozen(principal.rooms)).toBe(true);
    expect(principal.claims['rooms']).toEqual(['chat:*']);
  });

  it('verifies many tokens in a row with the same outcome each time', () => {
    // The verifier keeps per-token state between jsonwebtoken's callbacks; a refused token must
    // not leak into the next one.
    const good = signToken({ sub: 'alice' }, { secret: SECRET });
    const bad = signToken({ sub: 'alice' }, { secret: OTHER_SECRET });
    for (let i = 0; i < 3; i++) {
      expect(verifier.verify(good).userId).toBe('alice');
      expectAuthError(verifier, bad, 'invalid_token', /bad signature/);
      expectAuthError(
        verifier,
        `${b64({ alg: 'none' })}.${b64({ sub: 'a' })}.`,
        'invalid_token',
        /algorithm not allowed/,
      );
    }
  });

  it('leaves expiresAt and rooms out when the token has neither', () => {
    const principal = verifier.verify(signToken({ sub: 'bob' }, { secret: SECRET }));
    expect(principal).not.toHaveProperty('expiresAt');
    expect(principal).not.toHaveProperty('rooms');
  });

  it('refuses an empty token as missing', () => {
    expectAuthError(verifier, '', 'missing_token', /^missing token$/);
  });

  it('refuses garbage', () => {
    expectAuthError(verifier, 'not-a-jwt', 'invalid_token', /^invalid token: malformed$/);
    expectAuthError(verifier, 'a.b.c', 'invalid_token', /^invalid token: malformed$/);
    expectAuthError(verifier, `${b64({ alg: 'HS256' })}.%%%.sig`, 'invalid_token');
  });

  it('refuses an oversized token before parsing it', () => {
    expectAuthError(verifier, 'x'.repeat(MAX_TOKEN_LENGTH + 1), 'invalid_token', /too long/);
  });

  it('refuses a token signed with another secret', () => {
    expectAuthError(verifier, signToken({ sub: 'alice' }, { secret: OTHER_SECRET }), 'invalid_token', /bad signature/);
  });

  it('refuses an expired token as expired, beyond the clock tolerance', () => {
    const token = signToken({ sub: 'alice', exp: now() - 10 }, { secret: SECRET });
    expectAuthError(verifier, token, 'expired_token', /^token expired$/);
  });

  it('accepts a token expired within the clock tolerance', () => {
    const token = signToken({ sub: 'alice', exp: now() - 2 }, { secret: SECRET });
    expect(verifier.verify(token).userId).toBe('alice');
    const strict = createTokenVerifier({ secret: SECRET, clockToleranceSec: 0 });
    expectAuthError(strict, token, 'expired_token');
  });

  it('refuses a token whose nbf is in the future', () => {
    const token = signToken({ sub: 'alice', nbf: now() + 60 }, { secret: SECRET });
    expectAuthError(verifier, token, 'invalid_token', /not yet valid/);
    // …but not one within the tolerance.
    expect(verifier.verify(signToken({ sub: 'alice', nbf: now() + 2 }, { secret: SECRET })).userId).toBe('alice');
  });

  it('refuses alg none, whatever its case', () => {
    for (const alg of ['none', 'None', 'NONE']) {
      const token = `${b64({ alg, typ: 'JWT' })}.${b64({ sub: 'alice' })}.`;
      expectAuthError(verifier, token, 'invalid_token', /algorithm not allowed/);
    }
  });

  it('refuses an RS256 token when HS256 is configured', () => {
    const token = signToken({ sub: 'alice' }, { privateKey: rsa.privateKey, algorithm: 'RS256' });
    expectAuthError(verifier, token, 'invalid_token', /algorithm not allowed/);
  });

  it('refuses a token with a tampered payload', () => {
    const token = signToken({ sub: 'alice', rooms: ['chat:alice'] }, { secret: SECRET });
    const [header, , signature] = token.split('.');
    const forged = `${header}.${b64({ sub: 'alice', rooms: ['*'] })}.${signature}`;
    expectAuthError(verifier, forged, 'invalid_token', /bad signature/);
  });

  it('refuses a token without a usable sub', () => {
    for (const claims of [{}, { sub: '' }, { sub: 42 }]) {
      const token = handmade({ alg: 'HS256', typ: 'JWT' }, claims, (input) =>
        createHmac('sha256', SECRET).update(input).digest('base64url'),
      );
      expectAuthError(verifier, token, 'invalid_token', /missing sub/);
    }
  });

  it('refuses a rooms claim that is not an array of strings', () => {
    for (const rooms of ['chat:*', [1], { a: 1 }]) {
      const token = signToken({ sub: 'alice', rooms: rooms as unknown as string[] }, { secret: SECRET });
      expectAuthError(verifier, token, 'invalid_token', /rooms/);
    }
  });

  it('refuses a token whose payload is not a JSON object', () => {
    const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${Buffer.from('just text').toString('base64url')}`;
    const token = `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
    expectAuthError(verifier, token, 'invalid_token');
  });
});

describe('issuer and audience', () => {
  const verifier = createTokenVerifier({
    secret: SECRET,
    issuer: 'https://auth.example',
    audience: ['switchyard', 'chat'],
  });

  it('accepts matching iss and any configured aud', () => {
    const token = signToken({ sub: 'alice' }, { secret: SECRET, issuer: 'https://auth.example', audience: 'chat' });
    expect(verifier.verify(token).userId).toBe('alice');
  });

  it('refuses a wrong or missing iss without revealing the expected one', () => {
    const wrong = signToken({ sub: 'alice' }, { secret: SECRET, issuer: 'https://evil.example', audience: 'chat' });
    const error = expectAuthError(verifier, wrong, 'invalid_token', /issuer not accepted/);
    expect(error.message).not.toContain('auth.example');
    expectAuthError(
      verifier,
      signToken({ sub: 'alice' }, { secret: SECRET, audience: 'chat' }),
      'invalid_token',
      /issuer/,
    );
  });

  it('refuses a wrong or missing aud', () => {
    const wrong = signToken({ sub: 'alice' }, { secret: SECRET, issuer: 'https://auth.example', audience: 'billing' });
    expectAuthError(verifier, wrong, 'invalid_token', /audience not accepted/);
    const missing = signToken({ sub: 'alice' }, { secret: SECRET, issuer: 'https://auth.example' });
    expectAuthError(verifier, missing, 'invalid_token', /audience/);
  });
});

describe('createTokenVerifier with public keys', () => {
  it('verifies RS256 with the configured public key', () => {
    const verifier = createTokenVerifier({ publicKey: rsa.publicKey });
    const token = signToken({ sub: 'alice' }, { privateKey: rsa.privateKey });
    expect(verifier.verify(token).userId).toBe('alice');
    expectAuthError(
      verifier,
      signToken({ sub: 'alice' }, { privateKey: rsa2.privateKey }),
      'invalid_token',
      /bad signature/,
    );
  });

  it('refuses an HS256 token signed with the RSA public key as HMAC secret (key confusion)', () => {
    const verifier = createTokenVerifier({ publicKey: rsa.publicKey, algorithms: ['RS256'] });
    const forged = handmade({ alg: 'HS256', typ: 'JWT' }, { sub: 'admin' }, (input) =>
      createHmac('sha256', rsa.publicKey).update(input).digest('base64url'),
    );
    expectAuthError(verifier, forged, 'invalid_token', /algorithm not allowed/);
  });

  it('never uses a public key as an HMAC secret, even with HS256 and RS256 both configured', () => {
    const verifier = createTokenVerifier({ secret: SECRET, publicKey: rsa.publicKey, algorithms: ['HS256', 'RS256'] });
    const forged = handmade({ alg: 'HS256', typ: 'JWT' }, { sub: 'admin' }, (input) =>
      createHmac('sha256', rsa.publicKey).update(input).digest('base64url'),
    );
    expectAuthError(verifier, forged, 'invalid_token', /bad signature/);
    // Both legitimate paths still work.
    expect(verifier.verify(signToken({ sub: 'a' }, { secret: SECRET })).userId).toBe('a');
    expect(verifier.verify(signToken({ sub: 'b' }, { privateKey: rsa.privateKey })).userId).toBe('b');
  });

  it('refuses an RS256 token signed by hand with the right key but alg PS256 not configured', () => {
    const verifier = createTokenVerifier({ publicKey: rsa.publicKey, algorithms: ['RS256'] });
    const token = signToken({ sub: 'alice' }, { privateKey: rsa.privateKey, algorithm: 'PS256' });
    expectAuthError(verifier, token, 'invalid_token', /algorithm not allowed/);
  });

  it('verifies ES256 and refuses an RS256 token when only an EC key is configured', () => {
    const verifier = createTokenVerifier({ publicKey: ec.publicKey });
    expect(verifier.verify(signToken({ sub: 'alice' }, { privateKey: ec.privateKey })).userId).toBe('alice');
    const rsaToken = handmade({ alg: 'RS256', typ: 'JWT' }, { sub: 'alice' }, (input) =>
      createSign('RSA-SHA256').update(input).sign(rsa.privateKey, 'base64url'),
    );
    expectAuthError(verifier, rsaToken, 'invalid_token', /algorithm not allowed/);
  });
});

describe('key rotation by kid', () => {
  const verifier = createTokenVerifier({ secret: { '2025-old': SECRET, '2026-new': OTHER_SECRET } });

  it('picks the key named by kid', () => {
    expect(verifier.verify(signToken({ sub: 'a' }, { secret: SECRET, kid: '2025-old' })).userId).toBe('a');
    expect(verifier.verify(signToken({ sub: 'b' }, { secret: OTHER_SECRET, kid: '2026-new' })).userId).toBe('b');
  });

  it('binds the kid: a token signed with one key but naming the other is refused', () => {
    expectAuthError(
      verifier,
      signToken({ sub: 'a' }, { secret: SECRET, kid: '2026-new' }),
      'invalid_token',
      /bad signature/,
    );
  });

  it('refuses an unknown kid', () => {
    expectAuthError(
      verifier,
      signToken({ sub: 'a' }, { secret: SECRET, kid: 'nope' }),
      'invalid_token',
      /unknown key id/,
    );
  });

  it('tries every key for a token without kid', () => {
    expect(verifier.verify(signToken({ sub: 'a' }, { secret: SECRET })).userId).toBe('a');
    expect(verifier.verify(signToken({ sub: 'b' }, { secret: OTHER_SECRET })).userId).toBe('b');
    expectAuthError(
      verifier,
      signToken({ sub: 'c' }, { secret: 'a-third-secret-of-32-bytes-or-more!!' }),
      'invalid_token',
    );
  });

  it('reports what is wrong with a token that the second key verifies', () => {
    const token = handmade({ alg: 'HS256', typ: 'JWT' }, { rooms: ['a'] }, (input) =>
      createHmac('sha256', OTHER_SECRET).update(input).digest('base64url'),
    );
    expectAuthError(verifier, token, 'invalid_token', /missing sub/);
  });

  it('reports expiry when the matching key verifies an expired token', () => {
    const token = signToken({ sub: 'a', exp: now() - 60 }, { secret: OTHER_SECRET });
    expectAuthError(verifier, token, 'expired_token');
  });

  it('rotates public keys by kid too', () => {
    const keys = createTokenVerifier({ publicKey: { one: rsa.publicKey, two: rsa2.publicKey } });
    expect(keys.verify(signToken({ sub: 'a' }, { privateKey: rsa2.privateKey, kid: 'two' })).userId).toBe('a');
    expectAuthError(keys, signToken({ sub: 'a' }, { privateKey: rsa2.privateKey, kid: 'one' }), 'invalid_token');
    expectAuthError(
      keys,
      signToken({ sub: 'a' }, { privateKey: rsa2.privateKey, kid: 'three' }),
      'invalid_token',
      /unknown key id/,
    );
  });

  it('lets a key configured without a name accept any kid', () => {
    const single = createTokenVerifier({ secret: SECRET });
    expect(single.verify(signToken({ sub: 'a' }, { secret: SECRET, kid: 'issuer-kid' })).userId).toBe('a');
  });
});

describe('createTokenVerifier configuration errors', () => {
  it('throws ConfigError for a negative clock tolerance', () => {
    expect(() => createTokenVerifier({ secret: SECRET, clockToleranceSec: -1 })).toThrow(ConfigError);
  });

  it('throws ConfigError without any key', () => {
    expect(() => createTokenVerifier({})).toThrow(/auth\.secret: required by HS256/);
  });
});

describe('signToken', () => {
  it('requires a sub', () => {
    expect(() => signToken({ sub: '' }, { secret: SECRET })).toThrow(ConfigError);
  });

  it('requires exactly one key', () => {
    expect(() => signToken({ sub: 'a' }, {})).toThrow(/exactly one/);
    expect(() => signToken({ sub: 'a' }, { secret: SECRET, privateKey: rsa.privateKey })).toThrow(/exactly one/);
  });

  it('refuses an algorithm that does not fit the key', () => {
    expect(() => signToken({ sub: 'a' }, { secret: SECRET, algorithm: 'RS256' })).toThrow(
      /algorithm: RS256 cannot be signed with a secret/,
    );
    expect(() => signToken({ sub: 'a' }, { privateKey: rsa.privateKey, algorithm: 'HS256' })).toThrow(/needs a secret/);
    expect(() => signToken({ sub: 'a' }, { secret: SECRET, algorithm: 'none' })).toThrow(/unknown algorithm/);
  });

  it('refuses a malformed lifetime', () => {
    expect(() => signToken({ sub: 'a' }, { secret: SECRET, expiresIn: 'soon' })).toThrow(/expiresIn/);
  });

  it('writes exp from expiresIn and kid into the header', () => {
    const token = signToken({ sub: 'a' }, { secret: SECRET, expiresIn: '1h', kid: 'k1' });
    const [header, payload] = token.split('.') as [string, string];
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({ alg: 'HS256', kid: 'k1' });
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { exp: number; iat: number };
    expect(claims.exp - claims.iat).toBe(3600);
  });
});
