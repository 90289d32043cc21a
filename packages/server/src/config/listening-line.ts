import { isLoopbackHost } from './embedded-default.js';

/**
 * Says in words which interface a bound address faces, so that a server reachable from other
 * machines is noticed: `all interfaces, 0.0.0.0:9001`, `loopback only, 127.0.0.1:9001`,
 * `one interface, 10.0.0.5:9001`.
 * @param host the address actually bound (`0.0.0.0`, `::`, `127.0.0.1`, …)
 */
export function describeBinding(host: string, port: number): string {
  const bare = host.replace(/^\[|\]$/g, '');
  const address = bare.includes(':') ? `[${bare}]:${port}` : `${bare}:${port}`;
  if (bare === '0.0.0.0' || bare === '::') return `all interfaces, ${address}`;
  if (isLoopbackHost(bare)) return `loopback only, ${address}`;
  return `one interface, ${address}`;
}

/** Where a client on this machine connects to reach `host`: a wildcard address becomes loopback. */
export function connectableHost(host: string): string {
  const connectable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return connectable.includes(':') ? `[${connectable}]` : connectable;
}

/**
 * The line `switchyard serve` prints once it listens, e.g.
 * `switchyard listening on all interfaces, 0.0.0.0:9001 (connect: ws://127.0.0.1:9001/ws, health: http://127.0.0.1:9001/healthz)`.
 */
export function listeningLine(host: string, port: number): string {
  const base = `${connectableHost(host)}:${port}`;
  return `switchyard listening on ${describeBinding(host, port)} (connect: ws://${base}/ws, health: http://${base}/healthz)`;
}
