import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '@switchyard/server/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// Node 22's global WebSocket is undici's; Node 20 ships the same one behind a flag. The client
// must work with it with no `WebSocket` option, as in a browser.
const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));

const script = `
const { createClient } = await import(process.env.ENTRY);
const client = createClient({ url: process.env.URL, token: process.env.TOKEN });
const room = client.join('global');
await room.ready();
const got = new Promise((resolve) => room.on('note', resolve));
await room.publish('note', { text: 'from undici' });
const sum = await client.request('sum', { a: 20, b: 22 });
console.log(JSON.stringify({ sum, userId: client.welcome.userId, note: await got }));
client.close();
`;

let t: TestServer;

beforeEach(async () => {
  t = await startTestServer({ rooms: [{ pattern: 'global', clientPublish: true }] });
  t.server.onRequest('sum', (ctx, { a, b }: { a: number; b: number }) => {
    // A room push the client (already joined) receives on its own socket.
    t.server.to('global').emit('note', { text: `hi ${ctx.userId}` });
    return a + b;
  });
});

afterEach(async () => {
  await t.close();
});

describe('global WebSocket (undici)', () => {
  it('connects, joins, publishes and requests without a WebSocket option', async () => {
    expect(existsSync(entry), 'dist/index.js (run the build first)').toBe(true);
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--experimental-websocket', '--input-type=module', '-e', script],
        { env: { ...process.env, ENTRY: entry, URL: t.url, TOKEN: t.token('undici') }, timeout: 20_000 },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
      );
    });
    expect(JSON.parse(out.trim())).toEqual({ sum: 42, userId: 'undici', note: { text: 'hi undici' } });
  }, 30_000);
});
