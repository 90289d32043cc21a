import { z } from 'zod';
import { JWT_ALGORITHMS } from '../auth/algorithms.js';
import { boolean, integer, keyed, list, oneOrMany, pem, text } from './values.js';
import type { OptionSpec } from './option-spec.js';

const algorithmName = z.string().min(1);

/** The `auth` options (token verification), in documentation order. */
export const AUTH_OPTION_SPECS: readonly OptionSpec[] = [
  {
    key: 'auth.secret',
    env: 'SWITCHYARD_JWT_SECRET',
    flag: 'jwt-secret',
    type: text('a secret of at least 32 bytes'),
    fileSchema: keyed(z.string().min(1), 'a secret'),
    secret: true,
    summary: 'HMAC secret for HS256/384/512 tokens',
  },
  {
    key: 'auth.secretFile',
    env: 'SWITCHYARD_JWT_SECRET_FILE',
    flag: 'jwt-secret-file',
    type: text('a file path'),
    fileSchema: keyed(z.string().min(1), 'a file path'),
    readsFile: true,
    target: 'auth.secret',
    summary: 'file holding the HMAC secret (Docker/Kubernetes secrets)',
  },
  {
    key: 'auth.publicKey',
    env: 'SWITCHYARD_JWT_PUBLIC_KEY',
    flag: 'jwt-public-key',
    type: pem,
    fileSchema: keyed(pem.schema as z.ZodType<string>, 'a PEM key'),
    secret: true,
    summary: 'PEM public key for RS*/PS*/ES* tokens, inline',
  },
  {
    key: 'auth.publicKeyFile',
    env: 'SWITCHYARD_JWT_PUBLIC_KEY_FILE',
    flag: 'jwt-public-key-file',
    type: text('a file path'),
    fileSchema: keyed(z.string().min(1), 'a file path'),
    readsFile: true,
    target: 'auth.publicKey',
    summary: 'file holding the PEM public key',
  },
  {
    key: 'auth.algorithms',
    env: 'SWITCHYARD_JWT_ALGORITHMS',
    flag: 'jwt-algorithms',
    type: list(algorithmName, JWT_ALGORITHMS.join('/')),
    summary: 'accepted algorithms (default: inferred from the keys)',
  },
  {
    key: 'auth.issuer',
    env: 'SWITCHYARD_JWT_ISSUER',
    flag: 'jwt-issuer',
    type: oneOrMany('an issuer'),
    summary: 'required iss claim',
  },
  {
    key: 'auth.audience',
    env: 'SWITCHYARD_JWT_AUDIENCE',
    flag: 'jwt-audience',
    type: oneOrMany('an audience'),
    summary: 'accepted aud claim(s)',
  },
  {
    key: 'auth.clockToleranceSec',
    env: 'SWITCHYARD_JWT_CLOCK_TOLERANCE',
    flag: 'jwt-clock-tolerance',
    type: integer(0, 600),
    default: 5,
    summary: 'seconds of leeway on exp and nbf',
  },
  {
    key: 'auth.expiryGraceMs',
    env: 'SWITCHYARD_JWT_EXPIRY_GRACE_MS',
    flag: 'jwt-expiry-grace-ms',
    type: integer(0, 3_600_000),
    default: 1000,
    summary: 'ms after exp before an unrefreshed connection closes',
  },
  {
    key: 'auth.allowQueryToken',
    env: 'SWITCHYARD_ALLOW_QUERY_TOKEN',
    flag: 'allow-query-token',
    type: boolean,
    default: true,
    summary: 'accept ?token= in the upgrade URL',
  },
  {
    key: 'auth.allowAnonymous',
    env: 'SWITCHYARD_ALLOW_ANONYMOUS',
    flag: 'allow-anonymous',
    type: boolean,
    default: false,
    summary: 'accept connections without a token',
  },
];
