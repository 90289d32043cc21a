// Token minting for the generator, with node:crypto only (signing happens at setup, off the clock).
import { createHmac, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

function token(alg, payload, signer) {
  const head = b64url(JSON.stringify({ alg, typ: 'JWT' }));
  const body = b64url(JSON.stringify(payload));
  const input = `${head}.${body}`;
  return `${input}.${signer(input).toString('base64url')}`;
}

/** An HS256 token for user `sub`, valid for an hour. */
export function hs256(secret, sub) {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  return token('HS256', { sub, exp }, (input) => createHmac('sha256', secret).update(input).digest());
}

/** An RS256 token for user `sub`, valid for an hour, signed with a PEM private key. */
export function rs256(privateKeyPem, sub) {
  const key = createPrivateKey(privateKeyPem);
  const exp = Math.floor(Date.now() / 1000) + 3600;
  return token('RS256', { sub, exp }, (input) => sign('sha256', Buffer.from(input), key));
}

/** A fresh 2048-bit RSA key pair in PEM. */
export function rsaKeyPair() {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}
