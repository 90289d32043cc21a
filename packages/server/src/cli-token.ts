import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createTokenVerifier, signToken, type TokenClaims } from './auth/index.js';
import { ConfigError } from './config/index.js';
import { load, parseTokenFlags, UsageError, type Io } from './cli-io.js';

/** A comma-separated list of room patterns, blanks dropped. */
function patternList(text: string): string[] {
  return text
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
}

/** `switchyard token`: mints a token for the configured key and prints it. */
export function mintToken(io: Io, argv: readonly string[]): number {
  const values = parseTokenFlags(argv);
  if (values.sub === undefined || values.sub === '') throw new UsageError('token: --sub <user id> is required');
  const { options } = load(io, argv);
  const auth = options.auth ?? {};
  const claims: TokenClaims = { sub: values.sub };
  if (values.rooms !== undefined) claims.rooms = patternList(values.rooms);
  if (values.publish !== undefined) claims.publish = patternList(values.publish);
  const ttl = values.ttl ?? '1h';
  const first = (v: string | readonly string[] | undefined): string | undefined => (typeof v === 'string' ? v : v?.[0]);
  const common = {
    ...(ttl !== 'none' ? { expiresIn: /^\d+$/.test(ttl) ? Number(ttl) : ttl } : {}),
    ...(values.kid !== undefined ? { kid: values.kid } : {}),
    ...(first(auth.issuer) !== undefined ? { issuer: first(auth.issuer) as string } : {}),
    ...(first(auth.audience) !== undefined ? { audience: first(auth.audience) as string } : {}),
  };
  const algorithms = auth.algorithms ?? [];
  let token: string;
  try {
    if (values['private-key-file'] !== undefined) {
      const path = resolve(io.cwd, values['private-key-file']);
      let privateKey: string;
      try {
        privateKey = readFileSync(path, 'utf8');
      } catch {
        throw new ConfigError('--private-key-file', `cannot read ${path}`);
      }
      token = signWithPrivateKey(claims, privateKey, algorithms, common);
    } else {
      const { secret, kid } = pickSecret(auth.secret, values.kid);
      const algorithm = algorithms.find((a) => a.startsWith('HS')) ?? 'HS256';
      token = signToken(claims, { ...common, ...(kid !== undefined ? { kid } : {}), secret, algorithm });
    }
  } catch (error) {
    if (error instanceof ConfigError && error.key === 'expiresIn') throw new ConfigError('--ttl', error.problem);
    throw error;
  }
  // Catch a private key that does not match the configured public key before anyone relies on the token.
  if (auth.secret !== undefined || auth.publicKey !== undefined) {
    try {
      createTokenVerifier(auth).verify(token);
    } catch (error) {
      throw new ConfigError(
        'token',
        `the minted token does not verify with the configured keys (${(error as Error).message})`,
      );
    }
  }
  io.out(token);
  return 0;
}

/** The secret to sign with, and the key id to write when secrets are named. */
function pickSecret(
  secret: string | Readonly<Record<string, string>> | undefined,
  kid: string | undefined,
): { secret: string; kid?: string } {
  if (secret === undefined) {
    throw new ConfigError(
      'token',
      'no signing key: set SWITCHYARD_JWT_SECRET (or --jwt-secret), or pass --private-key-file',
    );
  }
  if (typeof secret === 'string') return { secret };
  const ids = Object.keys(secret);
  const chosen = kid ?? (ids.length === 1 ? ids[0] : undefined);
  if (chosen === undefined)
    throw new ConfigError('--kid', `several secrets are configured; pick one of ${ids.join(', ')}`);
  const value = Object.hasOwn(secret, chosen) ? secret[chosen] : undefined;
  if (value === undefined)
    throw new ConfigError('--kid', `no secret named "${chosen}" (configured: ${ids.join(', ')})`);
  return { secret: value, kid: chosen };
}

function signWithPrivateKey(
  claims: TokenClaims,
  privateKey: string,
  algorithms: readonly string[],
  common: object,
): string {
  // The first configured asymmetric algorithm the key can sign; jsonwebtoken refuses mismatches.
  let lastError: unknown;
  for (const algorithm of algorithms.filter((a) => !a.startsWith('HS'))) {
    try {
      return signToken(claims, { ...common, privateKey, algorithm });
    } catch (error) {
      lastError = error;
    }
  }
  if (lastError !== undefined && !(lastError instanceof ConfigError && lastError.key === 'signToken'))
    throw lastError as Error;
  return signToken(claims, { ...common, privateKey });
}
