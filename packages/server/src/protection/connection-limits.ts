/** Settings of {@link ConnectionLimits}; mirrors `LimitOptions`. */
export interface ConnectionLimitSettings {
  /** Open connections in the whole server (0: unlimited); derived from the descriptor limit by default. */
  readonly maxConnections?: number;
  /** Connections per user id (0: unlimited). */
  readonly maxConnectionsPerUser: number;
  /** Connections per client IP (0: unlimited). */
  readonly maxConnectionsPerIp: number;
}

/** A held connection slot. `release()` is idempotent: call it from every close path. */
export interface ConnectionLease {
  release(): void;
}

/**
 * The outcome of {@link ConnectionLimits.tryAcquire}; a refusal means HTTP 429 at the upgrade
 * (`user`, `ip`) or 503 (`server`: the server-wide cap that keeps it below its descriptor limit).
 */
export type AcquireResult =
  | { readonly ok: true; readonly lease: ConnectionLease }
  | { readonly ok: false; readonly scope: 'server' | 'user' | 'ip'; readonly limit: number };

/**
 * Counts open connections in the server, per user id and per client IP. The upgrade acquires a
 * lease before opening the socket (refusal: 503 or 429) and the close handler releases it.
 * Counters of a key are deleted when they reach zero, so memory follows the live connections, and
 * a per-user or per-IP count is kept only while its limit is on (both are off by default: a map
 * entry per idle connection that nothing reads).
 */
export class ConnectionLimits {
  readonly #maxTotal: number;
  readonly #maxUser: number;
  readonly #maxIp: number;
  readonly #total = { count: 0 };
  readonly #perUser = new Map<string, number>();
  readonly #perIp = new Map<string, number>();

  constructor(settings: ConnectionLimitSettings) {
    this.#maxTotal = settings.maxConnections ?? 0;
    this.#maxUser = settings.maxConnectionsPerUser;
    this.#maxIp = settings.maxConnectionsPerIp;
  }

  /**
   * Takes a slot for `userId` from `ip`, or says which limit refused it. The server-wide cap
   * comes first, then the IP limit, so an anonymous flood from one address is reported as such.
   */
  tryAcquire(userId: string, ip: string): AcquireResult {
    if (this.#maxTotal > 0 && this.#total.count >= this.#maxTotal)
      return { ok: false, scope: 'server', limit: this.#maxTotal };
    const ipCount = this.#perIp.get(ip) ?? 0;
    if (this.#maxIp > 0 && ipCount >= this.#maxIp) return { ok: false, scope: 'ip', limit: this.#maxIp };
    const userCount = this.#perUser.get(userId) ?? 0;
    if (this.#maxUser > 0 && userCount >= this.#maxUser) return { ok: false, scope: 'user', limit: this.#maxUser };
    const perIp = this.#maxIp > 0 ? this.#perIp : undefined;
    const perUser = this.#maxUser > 0 ? this.#perUser : undefined;
    perIp?.set(ip, ipCount + 1);
    perUser?.set(userId, userCount + 1);
    this.#total.count++;
    return { ok: true, lease: new Lease(this.#total, perUser, perIp, userId, ip) };
  }

  /** Open connections in the server. */
  get total(): number {
    return this.#total.count;
  }

  /** Open connections of a user (0 while the per-user limit is off). */
  userCount(userId: string): number {
    return this.#perUser.get(userId) ?? 0;
  }

  /** Open connections from an IP (0 while the per-IP limit is off). */
  ipCount(ip: string): number {
    return this.#perIp.get(ip) ?? 0;
  }

  /** Distinct users and IPs currently tracked (memory check). */
  get trackedKeys(): number {
    return this.#perUser.size + this.#perIp.size;
  }
}

function decrement(map: Map<string, number> | undefined, key: string): void {
  if (map === undefined) return;
  const n = (map.get(key) ?? 0) - 1;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}

// A small object instead of a closure and its context: one lives as long as each connection.
class Lease implements ConnectionLease {
  readonly #total: { count: number };
  readonly #perUser: Map<string, number> | undefined;
  readonly #perIp: Map<string, number> | undefined;
  readonly #userId: string;
  readonly #ip: string;
  #held = true;

  constructor(
    total: { count: number },
    perUser: Map<string, number> | undefined,
    perIp: Map<string, number> | undefined,
    userId: string,
    ip: string,
  ) {
    this.#total = total;
    this.#perUser = perUser;
    this.#perIp = perIp;
    this.#userId = userId;
    this.#ip = ip;
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    this.#total.count--;
    decrement(this.#perIp, this.#ip);
    decrement(this.#perUser, this.#userId);
  }
}
