/** HMAC algorithms: verified with a shared secret. */
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
/** RSA algorithms (PKCS#1 v1.5 and PSS): verified with an RSA public key. */
export const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const;
/** ECDSA algorithms: verified with an EC public key on the matching curve. */
export const EC_ALGORITHMS = ['ES256', 'ES384', 'ES512'] as const;
/** Every algorithm Switchyard accepts in configuration. `none` is never one of them. */
export const JWT_ALGORITHMS = [...HMAC_ALGORITHMS, ...RSA_ALGORITHMS, ...EC_ALGORITHMS] as const;

/** A supported JWT signature algorithm. */
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** The curve each ECDSA algorithm requires, as Node names it. */
export const EC_CURVES: Readonly<Record<(typeof EC_ALGORITHMS)[number], string>> = {
  ES256: 'prime256v1',
  ES384: 'secp384r1',
  ES512: 'secp521r1',
};

/** True for a supported algorithm name (exact case). */
export function isJwtAlgorithm(name: string): name is JwtAlgorithm {
  return (JWT_ALGORITHMS as readonly string[]).includes(name);
}

/** True for HS256, HS384 and HS512. */
export function isHmacAlgorithm(name: string): boolean {
  return (HMAC_ALGORITHMS as readonly string[]).includes(name);
}
