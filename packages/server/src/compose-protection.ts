import { createTokenVerifier, type TokenVerifier } from './auth/index.js';
import type { ServerOptions } from './config/options.js';
import type { ResolvedOptions } from './config/resolve-options.js';
import type { Logger } from './log.js';
import type { ServerMetrics } from './metrics/metrics.js';
import { ClientIpResolver } from './protection/client-ip.js';
import { OriginPolicy } from './protection/origin.js';
import { RoomPolicies } from './protection/room-policy.js';
import { RoomRules } from './protection/room-rules.js';
import { SlowConsumers } from './protection/slow-consumer.js';
import type { EncodedPush } from './publish/encoded-push.js';

/** Who may connect and what a connection may do: token checks, origins, client IPs, room rules. */
export interface Protection {
  readonly verifier: TokenVerifier | undefined;
  readonly origins: OriginPolicy;
  readonly clientIp: ClientIpResolver;
  readonly roomRules: RoomRules;
  readonly policies: RoomPolicies;
  readonly slow: SlowConsumers<EncodedPush>;
}

function createVerifier(resolved: ResolvedOptions, logger: Logger): TokenVerifier | undefined {
  const { secret, publicKey } = resolved.auth;
  const verifier = secret !== undefined || publicKey !== undefined ? createTokenVerifier(resolved.auth) : undefined;
  if (!verifier && !resolved.allowAnonymous) {
    logger.warn(
      { event: 'config_warning' },
      'no auth.secret or auth.publicKey configured: every upgrade will be refused with 401',
    );
  }
  return verifier;
}

/** Builds the auth and protection parts, logging the configuration warnings they find. */
export function composeProtection(
  options: ServerOptions,
  resolved: ResolvedOptions,
  metrics: ServerMetrics,
  logger: Logger,
): Protection {
  const verifier = createVerifier(resolved, logger);
  const origins = new OriginPolicy(options.allowedOrigins);
  for (const warning of origins.warnings()) logger.warn({ event: 'config_warning' }, warning);
  const clientIp = new ClientIpResolver({
    trustedProxyHeader: options.trustedProxyHeader,
    trustedProxies: options.trustedProxies,
  });
  const roomRules = new RoomRules(resolved.limits);
  const policies = new RoomPolicies(options.rooms);
  const slow = new SlowConsumers<EncodedPush>({
    maxBackpressure: resolved.limits.maxBackpressure,
    policyFor: (room) => policies.resolve(room).slowConsumer,
    onDropped: (policy, count) => metrics.backpressureDropped(policy, count),
    onReplayed: (count) => metrics.backpressureReplayed(count),
  });
  return { verifier, origins, clientIp, roomRules, policies, slow };
}
