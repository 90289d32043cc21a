// End-to-end: the esbuild browser bundle of @switchyard/client in headless Chromium against the
// real server. The page joins a room, publishes with an ack, receives a Node client's message,
// makes a request and answers a server request. Exits non-zero on any failure; skips nothing.
//
// Needs the packages built (`npx turbo run build`) and Chromium at /usr/bin/chromium
// (Debian: `apt-get install -y chromium`), or at CHROMIUM_PATH.
//
//   npm run test:browser -w @switchyard/client
import { existsSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '@switchyard/server/testing';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { createClient } from '../dist/index.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const cleanups = [];

function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
  console.log(`ok - ${what}`);
}

async function waitFor(predicate, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function main() {
  if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath} (apt-get install -y chromium)`);
  const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  if (!existsSync(entry)) throw new Error('packages/client/dist is missing: run `npx turbo run build` first');

  // The browser build the size test measures, exposed to the page as a global.
  const bundle = await build({
    stdin: {
      contents: `export { createClient, ClientError } from ${JSON.stringify(entry)};`,
      resolveDir: process.cwd(),
    },
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'Switchyard',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0].text;

  const t = await startTestServer({ rooms: [{ pattern: 'e2e', clientPublish: true }] });
  cleanups.push(() => t.close());
  t.server.onRequest('echo', (ctx, data) => ({ from: ctx.userId, data }));

  const http = createHttpServer((req, res) => {
    if (req.url === '/client.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>e2e</title><script src="/client.js"></script>');
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => http.close(resolve)));
  const pageUrl = `http://127.0.0.1:${http.address().port}/`;

  // A Node client in the same room, on `ws`.
  const node = createClient({ url: t.url, token: t.token('node'), WebSocket });
  cleanups.push(() => node.close());
  const nodeRoom = node.join('e2e');
  await nodeRoom.ready();
  const nodeGot = [];
  nodeRoom.on('chat', (m) => nodeGot.push(m));

  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  cleanups.push(() => browser.close());
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(pageUrl);
  check(
    await page.evaluate(() => typeof window.Switchyard?.createClient === 'function'),
    'the bundle loads in Chromium',
  );

  // Runs in the page, on the browser's own WebSocket; resolves once the Node client's message arrives.
  const inPage = page.evaluate(
    async ({ url, token }) => {
      const client = window.Switchyard.createClient({ url, token });
      const statuses = [];
      client.onStatus((s) => statuses.push(s.status));
      client.handle('browser:add', ({ a, b }) => a + b);
      const room = client.join('e2e', { presence: true });
      const joined = await room.ready();
      const received = new Promise((resolve) => room.on('chat', (m, meta) => resolve({ ...m, room: meta.room })));
      await room.publish('chat', { text: 'hello from the browser' });
      const echo = await client.request('echo', { n: 1 }, { timeoutMs: 5_000 });
      const fromNode = await received;
      const presence = await room.presence();
      return {
        joined,
        echo,
        fromNode,
        statuses,
        userId: client.welcome.userId,
        members: presence.members.map((m) => m.userId).sort(),
      };
    },
    { url: t.url, token: t.token('browser') },
  );

  await waitFor(() => nodeGot.length > 0, "the browser's message at the Node client");
  check(nodeGot[0]?.text === 'hello from the browser', 'Node receives the message the browser published');
  const [conn] = t.server.userConnections('browser');
  check(conn !== undefined, 'the server sees the browser connection');
  const sum = await conn.request('browser:add', { a: 2, b: 3 }, { timeoutMs: 5_000 });
  check(sum === 5, 'the browser answers a server request (ack with a value)');
  await nodeRoom.publish('chat', { text: 'hello from node' });

  const result = await inPage;
  check(result.userId === 'browser', 'the browser authenticated with the bearer subprotocol');
  check(result.joined.room === 'e2e', 'the browser joined the room');
  check(result.echo.from === 'browser' && result.echo.data.n === 1, 'the browser request got its typed reply');
  check(
    result.fromNode.text === 'hello from node' && result.fromNode.room === 'e2e',
    "the browser receives the Node client's message",
  );
  check(JSON.stringify(result.members) === JSON.stringify(['browser', 'node']), 'presence lists both members');
  check(JSON.stringify(result.statuses) === JSON.stringify(['connecting', 'open']), 'status went connecting -> open');
  check(pageErrors.length === 0, `no errors in the page${pageErrors.length ? `: ${pageErrors.join('; ')}` : ''}`);

  // Failure modes where the browser hides the HTTP status (after the error check above: Chromium
  // logs the refused handshakes to the console itself).
  const failures = await page.evaluate(
    async ({ url }) => {
      let invalid = '';
      try {
        window.Switchyard.createClient({ url: 'ftp://example.com/ws', token: 't' });
      } catch (error) {
        invalid = error.name;
      }
      const client = window.Switchyard.createClient({
        url,
        getToken: () => 'not-a-token',
        maxRefusals: 2,
        reconnect: { minDelayMs: 20, maxDelayMs: 40 },
      });
      const errors = [];
      client.onError((error) => errors.push(error.code));
      const closed = await new Promise((resolve) => client.onStatus((s) => s.status === 'closed' && resolve(s)));
      return { invalid, closed, errors };
    },
    { url: t.url },
  );
  check(failures.invalid === 'TypeError', 'an invalid URL throws a TypeError at createClient');
  check(
    failures.closed.terminal === true && failures.closed.unauthorized === true,
    'a refused token ends the session after maxRefusals attempts that never opened',
  );
  check(JSON.stringify(failures.errors) === '["UNAUTHORIZED"]', 'the app hears one terminal UNAUTHORIZED');
}

const timer = setTimeout(() => {
  console.error('browser e2e FAILED: timed out after 90 s');
  process.exit(1);
}, 90_000);

let failed = false;
try {
  await main();
  console.log('browser e2e passed');
} catch (error) {
  failed = true;
  console.error('browser e2e FAILED:', error);
} finally {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
  clearTimeout(timer);
}
process.exit(failed ? 1 : 0);
