#!/usr/bin/env node
// Measures the latencies the Switchyard histograms record, on a loopback server, so bucket bounds
// follow real figures (docs/metrics.md#buckets): sequential echo requests, joins, acknowledged
// publishes, presence reads, upgrades and HTTP API publishes. Prints each histogram's mean and
// the share of observations at or under each bound. Needs a built repo (npx turbo run build).
//
// usage: node scripts/metrics-latencies.mjs [--n 2000]
import { parseArgs } from 'node:util';
import { jsonCodec, SUBPROTOCOL_JSON } from '@switchyard/protocol';
import { createServer } from '@switchyard/server';
import { createHmac, randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';

const { values: args } = parseArgs({ options: { n: { type: 'string', default: '2000' } } });
const N = Number(args.n);
const SECRET = randomBytes(32).toString('hex');
const API_KEY = randomBytes(16).toString('hex');
function token(sub) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub, exp: Math.floor(Date.now() / 1000) + 600 })}`;
  return `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;
}

const server = createServer({
  host: '127.0.0.1',
  auth: { secret: SECRET },
  apiKey: API_KEY,
  logLevel: 'fatal',
  limits: { messagesPerSecond: 0 },
});
server.onRequest('echo', (_ctx, data) => data);
const { port } = await server.listen(0, '127.0.0.1');

function open(sub) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token(sub)}`, [SUBPROTOCOL_JSON]);
    const waiters = new Map();
    ws.on('message', (data) => {
      const e = jsonCodec.decodeFromServer(data.toString('utf8'), false);
      if (e.t === 'welcome') resolve(call);
      if (e.t === 'reply') waiters.get(e.id)?.(e);
    });
    ws.on('error', reject);
    let id = 1;
    const call = (make) =>
      new Promise((done) => {
        const n = id++;
        waiters.set(n, done);
        ws.send(jsonCodec.encode(make(n)));
      });
    call.ws = ws;
  });
}

const first = await open('alice');
await open('bob').then((c) => c((id) => ({ t: 'join', id, room: 'lobby' })));
for (let i = 0; i < N; i++) await first((id) => ({ t: 'request', id, name: 'echo', data: { i } }));
for (let i = 0; i < N / 10; i++) await first((id) => ({ t: 'join', id, room: `r${i}` }));
for (let i = 0; i < N; i++) await first((id) => ({ t: 'publish', id, room: 'lobby', event: 'e', data: { i } }));
for (let i = 0; i < N; i++) await first((id) => ({ t: 'presence-get', id, room: 'lobby' }));
for (let i = 0; i < N / 10; i++) (await open(`u${i}`)).ws.close();
for (let i = 0; i < N / 4; i++)
  await fetch(`http://127.0.0.1:${port}/v1/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ room: 'lobby', event: 'e', data: i }),
  }).then((r) => r.arrayBuffer());

const body = (await server.metrics.scrape()).body;
const rows = new Map();
for (const line of body.split('\n')) {
  const m = /^(switchyard_\w+_seconds)_(bucket|sum|count)\{?(.*?)\}? (\S+)$/.exec(line);
  if (!m) continue;
  const labels = m[3].replace(/le="[^"]*",?/, '').replace(/,$/, '');
  const key = `${m[1]}{${labels}}`;
  const row = rows.get(key) ?? { buckets: [] };
  if (m[2] === 'bucket') row.buckets.push([/le="([^"]*)"/.exec(m[3])[1], Number(m[4])]);
  else row[m[2]] = Number(m[4]);
  rows.set(key, row);
}
for (const [key, row] of rows) {
  if (!row.count) continue;
  // From the first bucket that holds anything up to the first that holds everything.
  const full = row.buckets.findIndex(([, n]) => n === row.count);
  const shares = row.buckets
    .slice(0, full + 1)
    .filter(([, n]) => n > 0)
    .map(([le, n]) => `≤${Number(le) * 1e6}µs ${((100 * n) / row.count).toFixed(0)}%`);
  console.log(`${key}: n=${row.count} mean=${((row.sum / row.count) * 1e6).toFixed(1)}µs  ${shares.join(', ')}`);
}
first.ws.close();
await server.close({ graceMs: 0 });
process.exit(0);
