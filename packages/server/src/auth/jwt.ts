import { createPrivateKey, createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { AuthOptions } from '../config/options.js';
import { ConfigError, optionError } from '../config/config-error.js';
import { isHmacAlgorithm, isJwtAlgorithm, type JwtAlgorithm } from './algorithms.js';
import { AuthError } from './auth-error.js';
import { resolveKeySet, selectKeys, type KeySet, type VerificationKey } from './key-set.js';
import type { Principal } from './principal.js';

// The only module that imports jsonwebtoken.

/** Verifies bearer tokens. Synchronous, so the upgrade handler can call it before any `await`. */
export interface TokenVerifier {
  /**
   * @returns the token's principal.
   * @throws AuthError with reason `expired_token` for an expired token, `missing_token` for an
   * empty string and `invalid_token` for everything else.
   */
  verify(token: string): Principal;
}

/** Longest token accepted, in characters; anything longer is refused before parsing. */
export const MAX_TOKEN_LENGTH = 16_384;

/** Default clock tolerance for `exp` and `nbf`, in seconds. */
export const DEFAULT_CLOCK_TOLERANCE_SEC = 5;

const invalid = (message: string): AuthError => new AuthError('invalid_token', message);

/**
 * Builds a verifier with pinned algorithms. Each key verifies only the algorithms its type
 * allows (see {@link resolveKeySet}); `exp` and `nbf` are checked with `clockToleranceSec`,
 * `iss` and `aud` when configured; `sub` must be a non-empty string and `rooms` and `publish`,
 * when present, arrays of strings.
 * @throws ConfigError when the options cannot verify anything safely.
 * @example
 * const verifier = createTokenVerifier({ secret: process.env.SWITCHYARD_JWT_SECRET });
 * const principal = verifier.verify(token); // throws AuthError
 */
export function createTokenVerifier(options: AuthOptions): TokenVerifier {
  const keySet = resolveKeySet(options);
  const clockTolerance = options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
  if (!Number.isFinite(clockTolerance) || clockTolerance < 0) {
    throw optionError('auth.clockToleranceSec', 'expected a number of seconds >= 0');
  }
  const base: jwt.VerifyOptions = { clockTolerance };
  const issuer = toList(options.issuer);
  const audience = toList(options.audience);
  if (issuer !== undefined) base.issuer = issuer;
  if (audience !== undefined) base.audience = audience;
  return new JwtVerifier(keySet, base);
}

function toList(value: string | readonly string[] | undefined): [string, ...string[]] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : [...value];
  const [first, ...rest] = list;
  return first === undefined ? undefined : [first, ...rest];
}

type VerifyOptionsFor = jwt.VerifyOptions & { complete: false };

/**
 * Verification runs inside one `jwt.verify` call: jsonwebtoken decodes the token once and asks
 * `#pickKey` for the key of its header (algorithm pinned per key, `kid` bound), then reports to
 * `#settle`. Both callbacks run synchronously inside `jwt.verify` (jsonwebtoken calls them before
 * returning; `#verify` refuses the token if it ever did not), so the outcome is kept in fields
 * rather than in closures made per token; `verify` is never re-entered while they run.
 */
class JwtVerifier implements TokenVerifier {
  readonly #keySet: KeySet;
  // Built once: jsonwebtoken copies the options it is given, so they are never mutated.
  readonly #options: VerifyOptionsFor;
  readonly #optionsByAlgorithm: ReadonlyMap<JwtAlgorithm, VerifyOptionsFor>;
  // The outcome of the current verification, written by the callbacks.
  #alg: JwtAlgorithm | undefined;
  #candidates: readonly VerificationKey[] | undefined;
  #refusal: AuthError | undefined;
  #settled = false;
  #error: jwt.VerifyErrors | null = null;
  #payload: unknown;

  constructor(keySet: KeySet, base: jwt.VerifyOptions) {
    this.#keySet = keySet;
    this.#options = { ...base, algorithms: [...keySet.algorithms], complete: false };
    this.#optionsByAlgorithm = new Map(
      keySet.algorithms.map((alg) => [alg, { ...base, algorithms: [alg], complete: false }]),
    );
  }

  verify(token: string): Principal {
    if (typeof token !== 'string' || token === '') throw new AuthError('missing_token', 'missing token');
    if (token.length > MAX_TOKEN_LENGTH) throw invalid('invalid token: too long');
    try {
      return this.#verify(token);
    } catch (error) {
      // jsonwebtoken throws plain errors on some malformed input (a non-JSON payload); the
      // caller must only ever see AuthError.
      if (error instanceof AuthError) throw error;
      throw invalid('invalid token: malformed');
    } finally {
      this.#candidates = undefined;
      this.#refusal = undefined;
      this.#error = null;
      this.#payload = undefined;
    }
  }

  #verify(token: string): Principal {
    this.#settled = false;
    this.#alg = undefined;
    jwt.verify(token, this.#pickKey, this.#options, this.#settle);
    if (!this.#settled) throw invalid('invalid token');
    if (this.#refusal !== undefined) throw this.#refusal;
    let error = this.#error;
    if (error === null) return toPrincipal(this.#payload);
    // A token without `kid` is tried against every key of its algorithm; the first was just used.
    const alg = this.#alg;
    const others = this.#candidates?.slice(1) ?? [];
    for (const { key } of others) {
      if (!isBadSignature(error) || alg === undefined) break;
      let payload: unknown;
      try {
        payload = jwt.verify(token, key, this.#optionsByAlgorithm.get(alg));
      } catch (next) {
        error = next as jwt.VerifyErrors;
        continue;
      }
      return toPrincipal(payload);
    }
    throw toAuthError(error);
  }

  readonly #pickKey = (header: jwt.JwtHeader, callback: jwt.SigningKeyCallback): void => {
    if (typeof header !== 'object' || header === null) return this.#refuse('invalid token: malformed', callback);
    const { alg, kid } = header as { alg?: unknown; kid?: unknown };
    if (typeof alg !== 'string' || !isJwtAlgorithm(alg) || !this.#keySet.algorithms.includes(alg)) {
      return this.#refuse('invalid token: algorithm not allowed', callback);
    }
    if (kid !== undefined && typeof kid !== 'string') return this.#refuse('invalid token: malformed key id', callback);
    const keys = selectKeys(this.#keySet, alg, kid);
    const first = keys?.[0];
    if (first === undefined) return this.#refuse('invalid token: unknown key id', callback);
    this.#alg = alg;
    this.#candidates = keys;
    callback(null, first.key);
  };

  #refuse(message: string, callback: jwt.SigningKeyCallback): void {
    this.#refusal = invalid(message);
    callback(this.#refusal);
  }

  readonly #settle = (error: jwt.VerifyErrors | null, payload: unknown): void => {
    this.#settled = true;
    this.#error = error;
    this.#payload = payload;
  };
}

function isBadSignature(error: unknown): boolean {
  return error instanceof jwt.JsonWebTokenError && error.message === 'invalid signature';
}

function toAuthError(error: unknown): AuthError {
  if (error instanceof jwt.TokenExpiredError) return new AuthError('expired_token', 'token expired');
  if (error instanceof jwt.NotBeforeError) return invalid('invalid token: not yet valid');
  if (isBadSignature(error)) return invalid('invalid token: bad signature');
  return invalid(describe(error));
}

// jsonwebtoken's messages can quote configured values (`jwt issuer invalid. expected: …`); never forward them.
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (message.startsWith('jwt issuer invalid')) return 'invalid token: issuer not accepted';
  if (message.startsWith('jwt audience invalid')) return 'invalid token: audience not accepted';
  if (message.startsWith('invalid exp value') || message.startsWith('invalid nbf value'))
    return 'invalid token: bad time claim';
  if (message === 'jwt malformed' || message === 'invalid token') return 'invalid token: malformed';
  return 'invalid token';
}

function toPrincipal(payload: unknown): Principal {
  if (typeof payload !== 'object' || payload === null) throw invalid('invalid token: payload is not an object');
  const { sub, exp, rooms, publish } = payload as Record<string, unknown>;
  if (typeof sub !== 'string' || sub === '') throw invalid('invalid token: missing sub');
  if (rooms !== undefined && !isStringArray(rooms)) throw invalid('invalid token: rooms must be an array of strings');
  if (publish !== undefined && !isStringArray(publish)) {
    throw invalid('invalid token: publish must be an array of strings');
  }
  if (publish !== undefined) Object.freeze(publish);
  // Freeze the freshly parsed payload itself: nothing else holds it, and a frozen spread copy
  // got a hidden class of its own per token once V8's clone cache went megamorphic (~150 B each).
  // The rooms array is frozen in place and shared with the claims rather than copied.
  const principal: { -readonly [K in keyof Principal]: Principal[K] } = {
    userId: sub,
    claims: Object.freeze(payload as Record<string, unknown>),
  };
  if (typeof exp === 'number') principal.expiresAt = exp * 1000;
  if (rooms !== undefined) principal.rooms = Object.freeze(rooms);
  return Object.freeze(principal);
}

function isStringArray(value: unknown): value is string[] {
  if (!Array.isArray(value)) return false;
  for (const item of value) if (typeof item !== 'string') return false;
  return true;
}

/** Claims of a token minted by {@link signToken}. */
export interface TokenClaims {
  /** The user id. */
  sub: string;
  /** Room patterns the user may join, for example `['chat:*']`. */
  rooms?: readonly string[];
  /** Room patterns the user may publish to, whatever the room policy's `clientPublish` says. */
  publish?: readonly string[];
  [claim: string]: unknown;
}

/** How {@link signToken} signs. Exactly one of `secret` and `privateKey`. */
export interface SignTokenOptions {
  /** HMAC secret for HS* algorithms. */
  secret?: string;
  /** PEM private key for RS*, PS* and ES* algorithms. */
  privateKey?: string;
  /** @default 'HS256' with a secret; RS256, PS256 or the curve's ES algorithm with a private key */
  algorithm?: string;
  /** Lifetime: seconds, or a duration such as `'1h'` or `'15m'`. No `exp` when unset. */
  expiresIn?: string | number;
  /** Key id written to the header, for rotation. */
  kid?: string;
  issuer?: string;
  audience?: string;
}

/**
 * Mints a token, for the `switchyard token` command, tests and backends without a JWT library.
 * @throws ConfigError when the key, algorithm or lifetime cannot be used.
 * @example
 * signToken({ sub: 'alice', rooms: ['chat:*'] }, { secret, expiresIn: '1h' });
 */
export function signToken(claims: TokenClaims, options: SignTokenOptions): string {
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new ConfigError('sub', 'expected a non-empty string');
  const { key, algorithm } = signingKey(options);
  const signOptions: jwt.SignOptions = { algorithm };
  if (options.expiresIn !== undefined)
    signOptions.expiresIn = options.expiresIn as NonNullable<jwt.SignOptions['expiresIn']>;
  if (options.kid !== undefined) signOptions.keyid = options.kid;
  if (options.issuer !== undefined) signOptions.issuer = options.issuer;
  if (options.audience !== undefined) signOptions.audience = options.audience;
  try {
    return jwt.sign({ ...claims }, key, signOptions);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/expiresIn/.test(message))
      throw new ConfigError('expiresIn', 'expected seconds or a duration such as 1h, 15m, 7d');
    throw new ConfigError('signToken', message);
  }
}

function signingKey(options: SignTokenOptions): { key: KeyObject; algorithm: JwtAlgorithm } {
  const requested = options.algorithm;
  if (requested !== undefined && !isJwtAlgorithm(requested))
    throw new ConfigError('algorithm', `unknown algorithm "${requested}"`);
  if ((options.secret === undefined) === (options.privateKey === undefined)) {
    throw new ConfigError('signToken', 'expected exactly one of secret and privateKey');
  }
  if (options.secret !== undefined) {
    const algorithm = requested ?? 'HS256';
    if (!isHmacAlgorithm(algorithm))
      throw new ConfigError('algorithm', `${algorithm} cannot be signed with a secret (use HS256, HS384 or HS512)`);
    return { key: createSecretKey(Buffer.from(options.secret, 'utf8')), algorithm };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(options.privateKey ?? '');
  } catch {
    throw new ConfigError('privateKey', 'expected a PEM private key');
  }
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const inferred: JwtAlgorithm | undefined =
    type === 'rsa'
      ? 'RS256'
      : type === 'rsa-pss'
        ? 'PS256'
        : curve === 'prime256v1'
          ? 'ES256'
          : curve === 'secp384r1'
            ? 'ES384'
            : curve === 'secp521r1'
              ? 'ES512'
              : undefined;
  if (inferred === undefined)
    throw new ConfigError('privateKey', 'unsupported key type (expected RSA or EC P-256/P-384/P-521)');
  const algorithm = requested ?? inferred;
  if (isHmacAlgorithm(algorithm)) throw new ConfigError('algorithm', `${algorithm} needs a secret, not a private key`);
  return { key, algorithm };
}
