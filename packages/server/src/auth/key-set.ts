import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import type { AuthOptions } from '../config/options.js';
import { optionError } from '../config/config-error.js';
import {
  EC_CURVES,
  HMAC_ALGORITHMS,
  JWT_ALGORITHMS,
  isHmacAlgorithm,
  isJwtAlgorithm,
  type JwtAlgorithm,
} from './algorithms.js';

/** One configured verification key and the algorithms it may verify. */
export interface VerificationKey {
  /** The key id it answers to; `undefined` for a key configured without a name. */
  readonly kid: string | undefined;
  readonly key: KeyObject;
  /** The configured algorithms this key's type can verify; never empty. */
  readonly algorithms: readonly JwtAlgorithm[];
}

/** The validated keys and algorithms of an {@link AuthOptions}. */
export interface KeySet {
  /** The pinned algorithms: a token whose `alg` is not here is refused before any key is tried. */
  readonly algorithms: readonly JwtAlgorithm[];
  readonly keys: readonly VerificationKey[];
  /** {@link selectKeys}'s answers, worked out once per algorithm instead of per token. */
  readonly byAlgorithm: ReadonlyMap<JwtAlgorithm, KeyChoice>;
}

/** The keys of one algorithm, arranged for the lookup by `kid`. */
interface KeyChoice {
  /** Every key that verifies the algorithm, in configuration order. */
  readonly all: readonly VerificationKey[];
  /** Keys by their name. */
  readonly named: ReadonlyMap<string, readonly VerificationKey[]>;
  /** Keys configured without a name; `undefined` when there are none. */
  readonly unnamed: readonly VerificationKey[] | undefined;
}

/** Shortest accepted HMAC secret, in bytes: the output size of HS256 (RFC 7518 §3.2). */
export const MIN_SECRET_BYTES = 32;
/** Smallest accepted RSA modulus, in bits. */
export const MIN_RSA_BITS = 2048;

type Named = readonly (readonly [string | undefined, string])[];

function entries(value: string | Readonly<Record<string, string>>, key: string): Named {
  if (typeof value === 'string') return [[undefined, value]];
  const list = Object.entries(value);
  if (list.length === 0) throw optionError(key, 'expected at least one key id');
  for (const [kid] of list) if (kid === '') throw optionError(key, 'key ids must be non-empty');
  return list;
}

function label(base: string, kid: string | undefined): string {
  return kid === undefined ? base : `${base}.${kid}`;
}

function parsePublicKey(pem: string, key: string): KeyObject {
  // A private key would work (Node derives the public half) but has no business on a verifier.
  if (/PRIVATE KEY-----/.test(pem)) throw optionError(key, 'is a private key; configure the public key only');
  try {
    return createPublicKey(pem);
  } catch (error) {
    throw optionError(key, 'expected a PEM public key (-----BEGIN PUBLIC KEY-----)', { cause: error });
  }
}

/** The algorithms a public key's type could verify, in preference order. */
function algorithmsForKey(key: KeyObject, name: string): readonly JwtAlgorithm[] {
  const type = key.asymmetricKeyType;
  if (type === 'rsa' || type === 'rsa-pss') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw optionError(name, `RSA keys must have at least ${MIN_RSA_BITS} bits (got ${bits})`);
    return type === 'rsa' ? ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] : ['PS256', 'PS384', 'PS512'];
  }
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const match = Object.entries(EC_CURVES).find(([, c]) => c === curve);
    if (match === undefined)
      throw optionError(name, `unsupported EC curve ${String(curve)} (expected P-256, P-384 or P-521)`);
    return [match[0] as JwtAlgorithm];
  }
  throw optionError(name, `unsupported key type ${String(type)} (expected RSA or EC)`);
}

function parseAlgorithms(configured: readonly string[]): JwtAlgorithm[] {
  if (configured.length === 0) throw optionError('auth.algorithms', 'expected at least one algorithm');
  const result: JwtAlgorithm[] = [];
  for (const name of configured) {
    if (name.toLowerCase() === 'none') throw optionError('auth.algorithms', '"none" is never allowed');
    if (!isJwtAlgorithm(name)) {
      throw optionError('auth.algorithms', `unknown algorithm "${name}" (expected ${JWT_ALGORITHMS.join(', ')})`);
    }
    if (!result.includes(name)) result.push(name);
  }
  return result;
}

/**
 * Checks an {@link AuthOptions} and turns its keys into typed key objects. HMAC secrets only
 * ever verify HS* algorithms and public keys only the RS/PS/ES algorithms their type and curve
 * allow, so a token's own `alg` can never turn a public key into an HMAC secret.
 *
 * Without `algorithms`, they are inferred from the keys: HS256 for a secret, RS256 (PS256 for an
 * RSA-PSS key) or the curve's ES algorithm for a public key.
 * @throws ConfigError naming the option (`auth.secret`, `auth.publicKey.<kid>`, `auth.algorithms`).
 */
export function resolveKeySet(options: AuthOptions): KeySet {
  const secrets = options.secret === undefined ? [] : entries(options.secret, 'auth.secret');
  const publics = options.publicKey === undefined ? [] : entries(options.publicKey, 'auth.publicKey');

  const publicKeys = publics.map(([kid, pem]) => {
    const name = label('auth.publicKey', kid);
    const key = parsePublicKey(pem, name);
    return { kid, key, name, possible: algorithmsForKey(key, name) };
  });

  const algorithms =
    options.algorithms !== undefined
      ? parseAlgorithms(options.algorithms)
      : inferAlgorithms(
          secrets.length > 0,
          publicKeys.map((k) => k.possible),
        );

  const hmac = algorithms.filter(isHmacAlgorithm);
  const asymmetric = algorithms.filter((a) => !isHmacAlgorithm(a));
  requireKeysForAlgorithms(algorithms, hmac, asymmetric, secrets.length > 0, publics.length > 0);

  const keys: VerificationKey[] = [];
  for (const [kid, secret] of secrets) {
    const bytes = Buffer.byteLength(secret, 'utf8');
    if (bytes < MIN_SECRET_BYTES) {
      throw optionError(label('auth.secret', kid), `must be at least ${MIN_SECRET_BYTES} bytes (got ${bytes})`);
    }
    keys.push({ kid, key: createSecretKey(Buffer.from(secret, 'utf8')), algorithms: hmac });
  }
  for (const { kid, key, name, possible } of publicKeys) {
    const usable = asymmetric.filter((a) => possible.includes(a));
    if (usable.length === 0) {
      throw optionError(
        name,
        `its key type verifies ${possible.join(', ')}, none of which is in auth.algorithms (${algorithms.join(', ')})`,
      );
    }
    keys.push({ kid, key, algorithms: usable });
  }
  for (const algorithm of algorithms) {
    if (!keys.some((k) => k.algorithms.includes(algorithm))) {
      throw optionError('auth.algorithms', `no configured key can verify ${algorithm}`);
    }
  }
  return { algorithms, keys, byAlgorithm: indexKeys(algorithms, keys) };
}

/** Each kind of key is configured exactly when `algorithms` holds an algorithm it verifies. */
function requireKeysForAlgorithms(
  algorithms: readonly JwtAlgorithm[],
  hmac: readonly JwtAlgorithm[],
  asymmetric: readonly JwtAlgorithm[],
  hasSecrets: boolean,
  hasPublicKeys: boolean,
): void {
  if (hmac.length > 0 && !hasSecrets) {
    throw optionError('auth.secret', `required by ${hmac.join(', ')} in auth.algorithms`);
  }
  if (hasSecrets && hmac.length === 0) {
    throw optionError('auth.secret', `set, but auth.algorithms (${algorithms.join(', ')}) has no HS* algorithm`);
  }
  if (asymmetric.length > 0 && !hasPublicKeys) {
    throw optionError('auth.publicKey', `required by ${asymmetric.join(', ')} in auth.algorithms`);
  }
  if (hasPublicKeys && asymmetric.length === 0) {
    throw optionError(
      'auth.publicKey',
      `set, but auth.algorithms (${algorithms.join(', ')}) has no RS*, PS* or ES* algorithm`,
    );
  }
}

function indexKeys(
  algorithms: readonly JwtAlgorithm[],
  keys: readonly VerificationKey[],
): Map<JwtAlgorithm, KeyChoice> {
  const index = new Map<JwtAlgorithm, KeyChoice>();
  for (const algorithm of algorithms) {
    const all = keys.filter((k) => k.algorithms.includes(algorithm));
    const named = new Map<string, VerificationKey[]>();
    for (const key of all) {
      if (key.kid !== undefined) named.set(key.kid, [...(named.get(key.kid) ?? []), key]);
    }
    const unnamed = all.filter((k) => k.kid === undefined);
    index.set(algorithm, { all, named, unnamed: unnamed.length > 0 ? unnamed : undefined });
  }
  return index;
}

function inferAlgorithms(hasSecret: boolean, publicKeys: readonly (readonly JwtAlgorithm[])[]): JwtAlgorithm[] {
  const result: JwtAlgorithm[] = hasSecret || publicKeys.length === 0 ? [HMAC_ALGORITHMS[0]] : [];
  for (const possible of publicKeys) {
    const first = possible[0];
    if (first !== undefined && !result.includes(first)) result.push(first);
  }
  return result;
}

/**
 * The keys that may verify a token with this header, or `undefined` when its `kid` names no
 * configured key. A token with a `kid` is bound to the key of that name; keys configured without
 * a name accept any `kid`. A token without `kid` is tried against every key of the right type.
 */
export function selectKeys(
  keySet: KeySet,
  alg: JwtAlgorithm,
  kid: string | undefined,
): readonly VerificationKey[] | undefined {
  const choice = keySet.byAlgorithm.get(alg);
  if (choice === undefined) return kid === undefined ? [] : undefined;
  if (kid === undefined) return choice.all;
  return choice.named.get(kid) ?? choice.unnamed;
}
