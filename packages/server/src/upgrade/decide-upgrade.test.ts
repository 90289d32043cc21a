import { describe, expect, it } from 'vitest';
import { SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK, jsonCodec } from '@switchyard/protocol';
import { msgpackCodec } from '@switchyard/protocol/msgpack';
import { createTokenVerifier, signToken } from '../auth/index.js';
import type { ServerOptions } from '../config/options.js';
import { resolveOptions } from '../config/resolve-options.js';
import { noopMetrics, type UpgradeRejectReason } from '../metrics/metrics.js';
import { ClientIpResolver } from '../protection/client-ip.js';
import { ConnectionLimits } from '../protection/connection-limits.js';
import { OriginPolicy } from '../protection/origin.js';
import { SlowConsumers } from '../protection/slow-consumer.js';
import { CorkedWriter } from '../session/corked-writer.js';
import { captureLogs } from '../test-support/session-fixture.js';
import type { UpgradeRequest } from '../transport/types.js';
import { ConnectionIds } from './connection-id.js';
import { decideUpgrade, timedUpgrade, type UpgradeDeps } from './upgrade.js';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const ORIGIN = 'https://app.example.com';

function upgradeDeps(options: ServerOptions = {}, state = { shuttingDown: false }) {
  const resolved = resolveOptions({ auth: { secret: SECRET }, ...options }, { descriptorLimit: 4096 });
  const rejected: UpgradeRejectReason[] = [];
  const decided: string[] = [];
  const logs = captureLogs();
  const deps: UpgradeDeps = {
    options: resolved,
    codecs: [msgpackCodec, jsonCodec],
    fallbackCodec: jsonCodec,
    verifier: createTokenVerifier(resolved.auth),
    origins: new OriginPolicy([ORIGIN]),
    clientIp: new ClientIpResolver(),
    limits: new ConnectionLimits(resolved.limits),
    slow: new SlowConsumers({ maxBackpressure: 1 << 20, policyFor: () => 'close' }),
    metrics: {
      ...noopMetrics,
      upgradeRejected: (reason) => void rejected.push(reason),
      upgradeDecided: (outcome) => void decided.push(outcome),
    },
    logger: logs.logger,
    ids: new ConnectionIds(),
    writer: new CorkedWriter(),
    isShuttingDown: () => state.shuttingDown,
  };
  return { deps, rejected, decided, logs, state };
}

const token = (sub: string, claims: Record<string, unknown> = {}, expiresIn?: number) =>
  signToken({ sub, ...claims }, { secret: SECRET, ...(expiresIn === undefined ? {} : { expiresIn }) });

function request(overrides: Partial<UpgradeRequest> = {}): UpgradeRequest {
  return {
    path: '/ws',
    query: '',
    authorization: '',
    origin: ORIGIN,
    protocols: SUBPROTOCOL_JSON,
    forwardedFor: '',
    remoteAddress: '10.0.0.1',
    wsKey: 'dGhlIHNhbXBsZSBub25jZQ==',
    wsVersion: '13',
    ...overrides,
  };
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('decideUpgrade', () => {
  it('accepts a valid token: the negotiated codec, echoed, and the connection init', () => {
    const { deps, rejected } = upgradeDeps();
    const decision = decideUpgrade(deps, request({ ...bearer(token('alice', { rooms: ['chat:*'] })) }));
    if (!decision.accept) throw new Error(`refused: ${decision.status}`);
    expect(decision.protocol).toBe(SUBPROTOCOL_JSON);
    expect(decision.data.conn).toBeUndefined();
    expect(decision.data.init).toMatchObject({
      userId: 'alice',
      roomClaim: ['chat:*'],
      codec: jsonCodec,
      ip: '10.0.0.1',
      origin: ORIGIN,
      writer: deps.writer,
    });
    expect(rejected).toEqual([]);
  });

  it('prefers the first codec the client offers that the server speaks', () => {
    const { deps } = upgradeDeps();
    const decision = decideUpgrade(
      deps,
      request({ ...bearer(token('alice')), protocols: `${SUBPROTOCOL_MSGPACK}, ${SUBPROTOCOL_JSON}` }),
    );
    expect(decision).toMatchObject({ accept: true, protocol: SUBPROTOCOL_MSGPACK });
  });

  it.each<[string, Partial<UpgradeRequest>, number, UpgradeRejectReason]>([
    ['no token', {}, 401, 'missing_token'],
    ['a token signed with another key', { authorization: 'Bearer x.y.z' }, 401, 'invalid_token'],
    ['a foreign origin', { origin: 'https://evil.example' }, 403, 'forbidden_origin'],
    ['only subprotocols it does not speak', { protocols: 'switchyard.v9.json' }, 400, 'unsupported_protocol'],
    ['a bad Sec-WebSocket-Key', { wsKey: 'short' }, 400, 'bad_request'],
  ])('refuses %s with %d', (_what, overrides, status, reason) => {
    const { deps, rejected, logs } = upgradeDeps();
    const decision = decideUpgrade(deps, request(overrides));
    expect(decision).toMatchObject({ accept: false, status });
    expect(rejected).toEqual([reason]);
    expect(logs.events('upgrade_rejected')).toEqual([expect.objectContaining({ reason, status })]);
  });

  it('names the reason of a 401 in the body and never logs the token', () => {
    const { deps, logs } = upgradeDeps();
    const expired = token('alice', {}, -60);
    const decision = decideUpgrade(deps, request(bearer(expired)));
    expect(decision).toEqual({ accept: false, status: 401, body: 'expired_token' });
    expect(JSON.stringify(logs.lines)).not.toContain(expired);
  });

  it('answers 426 naming the spoken version for another Sec-WebSocket-Version', () => {
    const { deps } = upgradeDeps();
    const decision = decideUpgrade(deps, request({ wsVersion: '8' }));
    expect(decision).toMatchObject({ accept: false, status: 426, headers: { 'sec-websocket-version': '13' } });
  });

  it('lets anonymous clients in only when allowed', () => {
    const { deps } = upgradeDeps({ auth: { secret: SECRET, allowAnonymous: true } });
    const decision = decideUpgrade(deps, request());
    if (!decision.accept) throw new Error(`refused: ${decision.status}`);
    expect(decision.data.init?.userId).toMatch(/^anonymous:/);
  });

  it('refuses with 429 over the per-user limit and 503 at the server-wide cap', () => {
    const perUser = upgradeDeps({ limits: { maxConnectionsPerUser: 1 } });
    expect(decideUpgrade(perUser.deps, request(bearer(token('alice'))))).toMatchObject({ accept: true });
    expect(decideUpgrade(perUser.deps, request(bearer(token('alice'))))).toMatchObject({ accept: false, status: 429 });
    expect(perUser.rejected).toEqual(['too_many_connections']);

    const full = upgradeDeps({ limits: { maxConnections: 1 } });
    expect(decideUpgrade(full.deps, request(bearer(token('alice'))))).toMatchObject({ accept: true });
    expect(decideUpgrade(full.deps, request(bearer(token('bob'))))).toMatchObject({ accept: false, status: 503 });
    expect(full.rejected).toEqual(['server_full']);
  });

  it('frees the slot when the lease of an accepted upgrade is released', () => {
    const { deps } = upgradeDeps({ limits: { maxConnectionsPerUser: 1 } });
    const first = decideUpgrade(deps, request(bearer(token('alice'))));
    if (!first.accept) throw new Error('refused');
    first.data.init?.lease.release();
    expect(decideUpgrade(deps, request(bearer(token('alice'))))).toMatchObject({ accept: true });
  });

  it('refuses every upgrade with 503 while the server shuts down', () => {
    const { deps, rejected, state } = upgradeDeps();
    state.shuttingDown = true;
    expect(decideUpgrade(deps, request(bearer(token('alice'))))).toMatchObject({ accept: false, status: 503 });
    expect(rejected).toEqual(['shutting_down']);
  });

  it('times each decision by outcome', () => {
    const { deps, decided } = upgradeDeps();
    timedUpgrade(deps, request(bearer(token('alice'))));
    timedUpgrade(deps, request());
    expect(decided).toEqual(['accepted', 'rejected']);
  });
});
