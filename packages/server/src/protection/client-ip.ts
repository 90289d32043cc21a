import { BlockList, SocketAddress, isIP } from 'node:net';
import { optionError } from '../config/config-error.js';

/** How to find a client's IP; mirrors `trustedProxyHeader` and `trustedProxies` of `ServerOptions`. */
export interface ClientIpSettings {
  /** Header set by a trusted reverse proxy, for example `x-forwarded-for`; unset: use the socket address. */
  readonly trustedProxyHeader?: string | undefined;
  /** Addresses or CIDR ranges of the proxies in front of the server (`10.0.0.0/8`, `::1`). */
  readonly trustedProxies?: readonly string[] | undefined;
}

/** Canonical text of an IP address (lower-case, compressed IPv6, IPv4-mapped IPv6 as IPv4); `undefined` if invalid. */
export function normalizeIp(raw: string): string | undefined {
  const text = raw.trim();
  const family = isIP(text);
  if (family === 4) return text;
  if (family !== 6) return undefined;
  // uWS writes IPv6 in full (`0000:…:ffff:7f00:0001`); canonical text keeps one key per address.
  const canonical = new SocketAddress({ address: text, family: 'ipv6' }).address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(canonical);
  return mapped?.[1] ?? canonical;
}

/** Strips a port and brackets from one forwarded-for entry: `[::1]:80` → `::1`, `1.2.3.4:5` → `1.2.3.4`. */
function stripPort(entry: string): string {
  const e = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(e);
  if (bracketed?.[1] !== undefined) return bracketed[1];
  const v4port = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(e);
  if (v4port?.[1] !== undefined) return v4port[1];
  return e;
}

/**
 * Resolves the client IP used for per-IP limits and logs.
 *
 * - No `trustedProxyHeader`: the socket's remote address. Headers are ignored entirely, because any
 *   client can send `X-Forwarded-For`.
 * - With `trustedProxyHeader` (a comma-separated list such as `X-Forwarded-For`, where each proxy
 *   appends the address it received the request from): the list is read right to left, skipping
 *   addresses that belong to `trustedProxies`; the first address that is not a trusted proxy — the
 *   right-most untrusted hop — is the client. Entries to the left of it were written by the client
 *   or untrusted hops and could be forged, so they are never used.
 * - With `trustedProxies` set, the header is honoured only when the socket peer itself is one of
 *   them; a direct connection that bypasses the proxy gets its socket address.
 * - A missing or empty header, or an invalid entry reached before any valid untrusted one, falls
 *   back to the socket address.
 */
export class ClientIpResolver {
  readonly #header: string | undefined;
  readonly #trusted: BlockList | undefined;

  /** @throws ConfigError (`trustedProxies.<i>`) when an entry is not an IP address or CIDR range. */
  constructor(settings: ClientIpSettings = {}) {
    this.#header = settings.trustedProxyHeader?.toLowerCase();
    const proxies = settings.trustedProxies ?? [];
    if (proxies.length === 0) {
      this.#trusted = undefined;
      return;
    }
    const list = new BlockList();
    proxies.forEach((entry, i) => {
      const [addr = '', prefix] = entry.split('/');
      const ip = normalizeIp(addr);
      const family = ip === undefined ? 0 : isIP(ip);
      if (ip === undefined || family === 0)
        throw optionError(`trustedProxies.${i}`, `expected an IP address or CIDR range, got ${entry}`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) {
        list.addAddress(ip, type);
      } else {
        const bits = Number(prefix);
        if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) {
          throw optionError(`trustedProxies.${i}`, `invalid prefix length in ${entry}`);
        }
        list.addSubnet(ip, bits, type);
      }
    });
    this.#trusted = list;
  }

  /** The lower-case header name to read from the upgrade request, or `undefined` when headers are ignored. */
  get headerName(): string | undefined {
    return this.#header;
  }

  /**
   * The client IP for a request from `socketAddress` carrying `headerValue` in the trusted header.
   * Invalid socket addresses are returned unchanged (they only key counters).
   */
  resolve(socketAddress: string, headerValue: string | undefined): string {
    const peer = normalizeIp(socketAddress) ?? socketAddress;
    if (this.#header === undefined || headerValue === undefined || headerValue.trim() === '') return peer;
    if (this.#trusted !== undefined && !this.#isTrusted(peer)) return peer;
    const hops = headerValue.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const ip = normalizeIp(stripPort(hops[i] ?? ''));
      if (ip === undefined) return peer;
      if (!this.#isTrusted(ip)) return ip;
    }
    // Every hop is a trusted proxy: the left-most one is as far as we can see.
    return normalizeIp(stripPort(hops[0] ?? '')) ?? peer;
  }

  #isTrusted(ip: string): boolean {
    if (this.#trusted === undefined) return false;
    return this.#trusted.check(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6');
  }
}
