import { randomBytes } from 'node:crypto';
import type { ServerOptions } from './options.js';
import type { LoadedConfig } from './load-config.js';

/** What `switchyard serve` runs with, after applying the embedded default. */
export interface ServePlan {
  readonly options: ServerOptions;
  /** The secret generated for this run when no JWT key is configured; tokens die with the process. */
  readonly ephemeralSecret?: string;
  /** Things the operator must be told (a host that was overridden). */
  readonly notices: readonly string[];
}

/** Host on which a server without a configured key listens. */
export const EMBEDDED_HOST = '127.0.0.1';

/** True for a host that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/**
 * Applies the embedded default: with no JWT key configured, `serve` must be safe and instantly
 * usable, so it generates a random HS256 secret for this run and binds loopback only, even when
 * a public host was asked for (a demo secret printed to the console must not face a network).
 * With a key configured, the options pass through unchanged.
 */
export function planServe(loaded: LoadedConfig, generateSecret: () => string = randomSecret): ServePlan {
  if (loaded.hasKey) return { options: loaded.options, notices: [] };
  const secret = generateSecret();
  const notices: string[] = [];
  let host = loaded.options.host ?? EMBEDDED_HOST;
  if (!isLoopbackHost(host)) {
    notices.push(
      `${loaded.origins.get('host') ?? 'host'}=${host} ignored: without a configured JWT key Switchyard binds ${EMBEDDED_HOST} only ` +
        '(set SWITCHYARD_JWT_SECRET or SWITCHYARD_JWT_PUBLIC_KEY_FILE to listen on other interfaces)',
    );
    host = EMBEDDED_HOST;
  }
  return {
    options: { ...loaded.options, host, auth: { ...loaded.options.auth, secret, algorithms: ['HS256'] } },
    ephemeralSecret: secret,
    notices,
  };
}

function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * What `serve` prints under the embedded default: the secret is ephemeral, a ready token
 * (made for `sub: "demo"`, `rooms: ["*"]`), its connect URL and a copy-pastable `node -e` client.
 * @param base `host:port` to connect to, IPv6 hosts in brackets
 */
export function demoInstructions(base: string, token: string): string {
  const url = `ws://${base}/ws?token=${token}`;
  const script =
    `const W=globalThis.WebSocket??require('ws');const s=new W('${url}');` +
    `s.onopen=()=>s.send(JSON.stringify({t:'join',id:1,room:'demo'}));s.onmessage=(e)=>console.log(String(e.data))`;
  return [
    '',
    'No JWT key configured: using an EPHEMERAL HS256 secret generated for this run only.',
    'Tokens stop working when the process exits. Set SWITCHYARD_JWT_SECRET (32+ bytes) or',
    'SWITCHYARD_JWT_PUBLIC_KEY_FILE for real use (see docs/configuration.md).',
    '',
    'Demo token (sub "demo", rooms ["*"], valid 1 hour):',
    `  ${token}`,
    'Connect:',
    `  ${url}`,
    'Try it (from the repository root; uses the ws package, or the global WebSocket on Node 22+):',
    `  node -e "${script}"`,
    '',
  ].join('\n');
}
