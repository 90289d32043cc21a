import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Unhandled rejections are seen by a process, not a test: this runs the built client in a child
// Node process and lists the rejections nobody handled.
const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));

const script = `
const { createClient } = await import(process.env.ENTRY);
const unhandled = [];
process.on('unhandledRejection', (error) => unhandled.push(error.code));
class NoSocket { constructor() { throw new Error('never connects'); } }
const client = createClient({ url: 'ws://127.0.0.1:9/ws', WebSocket: NoSocket, autoConnect: false, queue: { maxSize: 1 } });
client.onError(() => {});
void client.emit('queued', 1);
void client.emit('overflow', 2);
void client.join('lobby').publish('overflow', 3, { ack: false });
void client.emit('not-encodable', 1n);
client.close();
void client.emit('after-close', 4);
// Once the event loop has nothing left to run, every rejection has been handled or reported.
process.once('beforeExit', () => console.log(JSON.stringify(unhandled)));
`;

describe('fire-and-forget sends', () => {
  it("leave dropped sends handled, and the caller's own bugs (not encodable) loud", async () => {
    expect(existsSync(entry), 'dist/index.js (run the build first)').toBe(true);
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        { env: { ...process.env, ENTRY: entry }, timeout: 20_000 },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
      );
    });
    expect(JSON.parse(out.trim())).toEqual(['BAD_REQUEST']);
  }, 30_000);
});
