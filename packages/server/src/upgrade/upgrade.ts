import type { Codec } from '@switchyard/protocol';
import { AuthError, anonymousPrincipal, extractToken, type Principal, type TokenVerifier } from '../auth/index.js';
import type { ServerConnection } from '../session/connection.js';
import type { ConnectionInit } from '../session/connection-init.js';
import type { CorkedWriter } from '../session/corked-writer.js';
import type { ConnectionIds } from './connection-id.js';
import { logsAt, type Logger } from '../log.js';
import type { ServerMetrics, UpgradeRejectReason } from '../metrics/metrics.js';
import { negotiateSubprotocol } from './negotiate.js';
import type { ClientIpResolver } from '../protection/client-ip.js';
import type { ConnectionLimits } from '../protection/connection-limits.js';
import { checkHandshake, type HandshakeRefusal } from '../protection/handshake.js';
import type { OriginPolicy } from '../protection/origin.js';
import type { SlowConsumers } from '../protection/slow-consumer.js';
import type { EncodedPush } from '../publish/encoded-push.js';
import type { ResolvedOptions } from '../config/resolve-options.js';
import type { UpgradeDecision, UpgradeRequest } from '../transport/types.js';

/** Per-socket state kept in the transport's user data. */
export interface SocketState {
  /** What the upgrade learned; dropped once the connection is built from it. */
  init: ConnectionInit | undefined;
  conn: ServerConnection | undefined;
}

/** What the upgrade decision reads. */
export interface UpgradeDeps {
  readonly options: ResolvedOptions;
  /** Enabled wire formats, in the server's order of preference. */
  readonly codecs: readonly Codec[];
  readonly fallbackCodec: Codec | undefined;
  readonly verifier: TokenVerifier | undefined;
  readonly origins: OriginPolicy;
  readonly clientIp: ClientIpResolver;
  readonly limits: ConnectionLimits;
  readonly slow: SlowConsumers<EncodedPush>;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  readonly ids: ConnectionIds;
  /** The server's one corked writer, handed to every connection. */
  readonly writer: CorkedWriter;
  isShuttingDown(): boolean;
}

const REJECT_STATUS: Readonly<Record<UpgradeRejectReason, number>> = {
  missing_token: 401,
  invalid_token: 401,
  expired_token: 401,
  forbidden_origin: 403,
  unsupported_protocol: 400,
  too_many_connections: 429,
  server_full: 503,
  bad_request: 400,
  shutting_down: 503,
};

/**
 * Decides an upgrade, synchronously: 503 while shutting down, 403 for a foreign `Origin`, 400 for
 * an offered codec we do not speak, 401 for a missing, invalid or expired token (the body names
 * the reason), 429 over a per-user or per-IP connection limit, 503 at the server-wide cap. The
 * token is never logged.
 */
export function decideUpgrade(deps: UpgradeDeps, req: UpgradeRequest): UpgradeDecision<SocketState> {
  const ip = deps.clientIp.resolve(req.remoteAddress, req.forwardedFor === '' ? undefined : req.forwardedFor);
  if (deps.isShuttingDown()) return rejectUpgrade(deps, req, ip, 'shutting_down');
  // Malformed handshakes are refused before any token work (426 names the version we speak).
  const malformed = checkHandshake({ key: req.wsKey, version: req.wsVersion });
  if (malformed) return rejectUpgrade(deps, req, ip, 'bad_request', {}, malformed);
  if (!deps.origins.allows(req.origin)) return rejectUpgrade(deps, req, ip, 'forbidden_origin');
  const negotiation = negotiateSubprotocol(req.protocols, deps.codecs, deps.fallbackCodec);
  if (!negotiation.ok)
    return rejectUpgrade(deps, req, ip, 'unsupported_protocol', { offered: negotiation.offered.slice(0, 64) });

  const id = deps.ids.next();
  // The request already has the shape extractToken reads.
  const token = extractToken(req, deps.options);
  let principal: Principal;
  if (token === undefined) {
    if (!deps.options.allowAnonymous) return rejectUpgrade(deps, req, ip, 'missing_token');
    principal = anonymousPrincipal(id);
  } else {
    if (!deps.verifier) return rejectUpgrade(deps, req, ip, 'invalid_token');
    try {
      principal = deps.verifier.verify(token);
    } catch (error) {
      if (error instanceof AuthError) return rejectUpgrade(deps, req, ip, error.reason);
      deps.logger.error({ event: 'verify_failed', err: error }, 'token verification threw');
      return rejectUpgrade(deps, req, ip, 'invalid_token');
    }
  }

  const acquired = deps.limits.tryAcquire(principal.userId, ip);
  if (!acquired.ok) {
    const reason = acquired.scope === 'server' ? 'server_full' : 'too_many_connections';
    return rejectUpgrade(deps, req, ip, reason, { scope: acquired.scope, userId: principal.userId });
  }

  const { limits } = deps.options;
  const init: ConnectionInit = {
    id,
    userId: principal.userId,
    claims: principal.claims,
    expiresAt: principal.expiresAt,
    roomClaim: principal.rooms,
    codec: negotiation.codec,
    ip,
    origin: req.origin,
    messagesPerSecond: limits.messagesPerSecond,
    messageBurst: limits.messageBurst,
    expiryGraceMs: deps.options.expiryGraceMs,
    lease: acquired.lease,
    slow: deps.slow.newConsumer(),
    writer: deps.writer,
  };
  return { accept: true, protocol: negotiation.echo, data: { init, conn: undefined } };
}

function rejectUpgrade(
  deps: UpgradeDeps,
  req: UpgradeRequest,
  ip: string,
  reason: UpgradeRejectReason,
  extra?: Record<string, unknown>,
  refusal?: HandshakeRefusal,
): UpgradeDecision<SocketState> {
  deps.metrics.upgradeRejected(reason);
  const status = refusal?.status ?? REJECT_STATUS[reason];
  if (logsAt(deps.logger, 'info')) {
    deps.logger.info(
      { event: 'upgrade_rejected', reason, status, ip, origin: req.origin || undefined, ...extra },
      'upgrade rejected',
    );
  }
  if (refusal) return { accept: false, status, body: refusal.body, headers: refusal.headers };
  return { accept: false, status, body: reason };
}

/** {@link decideUpgrade}, timed: `switchyard_upgrade_duration_seconds` by outcome. */
export function timedUpgrade(deps: UpgradeDeps, req: UpgradeRequest): UpgradeDecision<SocketState> {
  const started = performance.now();
  const decision = decideUpgrade(deps, req);
  deps.metrics.upgradeDecided(decision.accept ? 'accepted' : 'rejected', (performance.now() - started) / 1000);
  return decision;
}
