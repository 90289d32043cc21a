import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../test-support/raw-client.js';
import { startTestServer, type TestServer } from '../testing/index.js';

/**
 * The signals an operator needs while something is wrong, through a real server and real sockets:
 * a hung request handler, its timeout, a client that leaves, refused calls, the HTTP API.
 */

const KEY = 'k'.repeat(12) + '-signals-key';
const servers: TestServer[] = [];
const clients: RawClient[] = [];

async function start(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const t = await startTestServer({ apiKey: KEY, ...options });
  servers.push(t);
  return t;
}

async function connect(t: TestServer, user: string): Promise<RawClient> {
  const c = await RawClient.connect(t.url, { token: t.token(user) });
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(servers.splice(0).map((t) => t.close()));
});

async function scrape(t: TestServer): Promise<string> {
  return (await t.server.metrics.scrape()).body;
}

/** The value of one exposition line, e.g. `metric(body, 'x_total{a="b"}')`; NaN when absent. */
function metric(body: string, series: string): number {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}

/** Scrapes until `check` holds (the server handles a close on its own schedule). */
async function scrapeUntil(t: TestServer, check: (body: string) => boolean): Promise<string> {
  for (let i = 0; ; i++) {
    const body = await scrape(t);
    if (check(body) || i === 100) return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const C2S = 'direction="client_to_server"';

describe('operator signals over a real server', () => {
  it('a hung handler shows as requests in flight, then as disconnected once the client leaves', async () => {
    const t = await start();
    t.server.onRequest('hang', () => new Promise(() => {}));
    const c = await connect(t, 'alice');
    for (let i = 0; i < 5; i++) c.send({ t: 'request', id: 100 + i, name: 'hang' });
    const busy = await scrapeUntil(t, (b) => metric(b, `switchyard_requests_in_flight{${C2S}}`) === 5);
    expect(metric(busy, `switchyard_requests_in_flight{${C2S}}`)).toBe(5);
    expect(metric(busy, `switchyard_messages_received_total{codec="json",kind="request"}`)).toBe(5);
    await c.close();
    const left = await scrapeUntil(t, (b) => metric(b, `switchyard_requests_in_flight{${C2S}}`) === 0);
    expect(metric(left, `switchyard_requests_in_flight{${C2S}}`)).toBe(0);
    expect(metric(left, `switchyard_request_duration_seconds_count{${C2S},outcome="disconnected"}`)).toBe(5);
  });

  it('limits.requestTimeoutMs answers TIMEOUT, counts the timeout and drops the late result', async () => {
    const t = await start({ limits: { requestTimeoutMs: 100 } });
    let finish: (value: unknown) => void = () => {};
    t.server.onRequest('slow', () => new Promise((resolve) => (finish = resolve)));
    const c = await connect(t, 'alice');
    const reply = await c.call((id) => ({ t: 'request', id, name: 'slow' }), 5000);
    expect(reply).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    finish({ late: true });
    // The connection keeps working, and the late result never reaches the client.
    // A late reply would be sent as soon as the handler settles, before the server sees this ping.
    const pong = c.next((e) => e.t === 'pong');
    c.send({ t: 'ping', ts: 1 });
    await pong;
    expect(c.received.filter((e) => e.t === 'reply')).toHaveLength(1);
    const body = await scrape(t);
    expect(metric(body, `switchyard_ack_timeouts_total{${C2S}}`)).toBe(1);
    expect(metric(body, `switchyard_request_duration_seconds_count{${C2S},outcome="timeout"}`)).toBe(1);
    expect(metric(body, `switchyard_reply_errors_total{kind="request",code="TIMEOUT"}`)).toBe(1);
    expect(metric(body, `switchyard_requests_in_flight{${C2S}}`)).toBe(0);
  });

  it('counts reply errors by kind and code, call latency, empty-room publishes and deliveries by kind', async () => {
    const t = await start({
      authorize: (_ctx, action, room) => !(action === 'join' && room === 'secret'),
      rooms: [{ pattern: 'lobby', clientPublish: true }],
    });
    t.server.onRequest('echo', (_ctx, data: unknown) => data);
    const c = await connect(t, 'alice');
    expect((await c.join('secret')).ok).toBe(false);
    expect((await c.join('lobby')).ok).toBe(true);
    expect((await c.call((id) => ({ t: 'request', id, name: 'nope' }))).ok).toBe(false);
    expect((await c.call((id) => ({ t: 'request', id, name: 'echo', data: 1 }))).ok).toBe(true);
    expect((await c.call((id) => ({ t: 'publish', id, room: 'lobby', event: 'x' }))).ok).toBe(true);
    expect(t.server.to('empty-room').emit('x', 1)).toBe(0);
    const body = await scrape(t);
    expect(metric(body, 'switchyard_reply_errors_total{kind="join",code="FORBIDDEN"}')).toBe(1);
    expect(metric(body, 'switchyard_reply_errors_total{kind="request",code="NOT_FOUND"}')).toBe(1);
    expect(metric(body, 'switchyard_operation_duration_seconds_count{kind="join"}')).toBe(2);
    expect(metric(body, 'switchyard_operation_duration_seconds_count{kind="publish"}')).toBe(1);
    expect(metric(body, `switchyard_request_duration_seconds_count{${C2S},outcome="ok"}`)).toBe(1);
    expect(metric(body, `switchyard_request_duration_seconds_count{${C2S},outcome="error"}`)).toBe(1);
    // The sender alone in the room: the publish reaches nobody, but the room has a member.
    expect(metric(body, 'switchyard_empty_room_publishes_total')).toBe(1);
    expect(metric(body, 'switchyard_deliveries_total{codec="json",kind="reply"}')).toBe(5);
    expect(metric(body, 'switchyard_deliveries_total{codec="json",kind="control"}')).toBe(1);
    expect(metric(body, 'switchyard_deliveries_total{codec="json",kind="push"}')).toBe(0);
    expect(metric(body, 'switchyard_users')).toBe(1);
    expect(metric(body, 'switchyard_connections_by_protocol{codec="json",protocol="1"}')).toBe(1);
    expect(metric(body, 'switchyard_upgrade_duration_seconds_count{outcome="accepted"}')).toBe(1);
  });

  it('counts HTTP API calls by route and status, API-key failures and room-name refusals', async () => {
    const t = await start();
    const call = (method: string, path: string, body?: unknown, key = KEY) =>
      fetch(`${t.httpUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }).then((r) => r.status);
    expect(await call('POST', '/v1/publish', { room: 'a', event: 'e' })).toBe(200);
    expect(await call('POST', '/v1/publish', { room: 'a', event: 'e' }, 'wrong-key-wrong-key')).toBe(401);
    expect(await call('POST', '/v1/publish', { room: 'bad room!', event: 'e' })).toBe(400);
    expect(await call('GET', '/v1/rooms/bad%20room/presence')).toBe(400);
    expect(await call('GET', '/v1/nowhere')).toBe(404);
    const body = await scrape(t);
    expect(metric(body, 'switchyard_http_requests_total{route="publish",status="200"}')).toBe(1);
    expect(metric(body, 'switchyard_http_requests_total{route="publish",status="401"}')).toBe(1);
    expect(metric(body, 'switchyard_http_requests_total{route="publish",status="400"}')).toBe(1);
    expect(metric(body, 'switchyard_http_requests_total{route="presence",status="400"}')).toBe(1);
    expect(metric(body, 'switchyard_http_requests_total{route="other",status="404"}')).toBe(1);
    expect(metric(body, 'switchyard_http_request_duration_seconds_count{route="publish"}')).toBe(3);
    expect(metric(body, 'switchyard_api_key_failures_total')).toBe(1);
    expect(metric(body, 'switchyard_limit_rejections_total{limit="room_name"}')).toBe(2);
    expect(metric(body, 'switchyard_empty_room_publishes_total')).toBe(1);
  });
});
