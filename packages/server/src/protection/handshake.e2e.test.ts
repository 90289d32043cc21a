import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../test-support/raw-client.js';
import { startTestServer, type TestServer } from '../testing/index.js';

// Raw TCP clients, so the requests can be as broken as an attacker likes.
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

interface RawResult {
  /** Everything the server sent (latin1). */
  readonly response: string;
  /** ms from connect to the server closing, or undefined when it was still open at the deadline. */
  readonly closedAfterMs: number | undefined;
}

function rawRequest(text: string | Buffer, deadlineMs: number): Promise<RawResult> {
  return new Promise((resolve) => {
    const socket = net.connect(t.port, '127.0.0.1');
    const started = Date.now();
    let response = '';
    let settled = false;
    const finish = (closedAfterMs: number | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ response, closedAfterMs });
    };
    socket.on('data', (d) => (response += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => finish(Date.now() - started));
    // A refusal is complete once the status line and headers arrived; close then.
    socket.on('data', () => {
      if (/^HTTP\/1\.1 [45]\d\d [^\r]*\r\n[\s\S]*\r\n\r\n/.test(response)) finish(Date.now() - started);
    });
    const timer = setTimeout(() => finish(undefined), deadlineMs);
    socket.write(text);
  });
}

const handshake = (key: string, version: string, extra = '') =>
  `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Authorization: Bearer ${t.token('alice')}\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: ${version}\r\n${extra}\r\n`;
const GOOD_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const status = (r: RawResult) => /^HTTP\/1\.1 (\d{3})/.exec(r.response)?.[1];

describe('handshake abuse (raw sockets)', () => {
  it('a well-formed raw handshake is accepted (control)', async () => {
    const r = await rawRequest(handshake(GOOD_KEY, '13'), 1000);
    expect(status(r)).toBe('101');
  });

  it('a Sec-WebSocket-Key that is not base64 of 16 bytes gets a fast 400', async () => {
    for (const key of ['!!!!!!!!!!!!!!!!!!!!!!!!', 'dGhlIHNhbXBsZSBub25jZR==', 'abc', '']) {
      const r = await rawRequest(handshake(key, '13'), 3000);
      expect(status(r)).toBe('400');
      expect(r.closedAfterMs).toBeLessThan(2000);
    }
  });

  it('a foreign Sec-WebSocket-Version gets a fast 426 naming version 13', async () => {
    for (const version of ['8', '12', '']) {
      const r = await rawRequest(handshake(GOOD_KEY, version), 3000);
      expect(status(r)).toBe('426');
      expect(r.response.toLowerCase()).toContain('sec-websocket-version: 13');
    }
    expect((await t.server.metrics.scrape()).body).toMatch(
      /switchyard_upgrade_rejections_total\{reason="bad_request"\} [4-9]/,
    );
  });

  it('huge headers are cut off at once', async () => {
    const r = await rawRequest(handshake(GOOD_KEY, '13', `X-Pad: ${'a'.repeat(256 * 1024)}\r\n`), 5000);
    expect(status(r)).not.toBe('101');
    expect(r.closedAfterMs).toBeDefined();
    expect(r.closedAfterMs).toBeLessThan(3000);
  });

  it('half-sent requests and header floods are closed without an answer, and the server keeps serving', async () => {
    let many = '';
    for (let i = 0; i < 200; i++) many += `X-H${i}: v\r\n`;
    const attacks = [
      ...Array.from({ length: 50 }, () =>
        rawRequest('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n', 30_000),
      ),
      ...Array.from({ length: 10 }, () => rawRequest(handshake(GOOD_KEY, '13', many), 30_000)),
    ];
    // While they hang, real clients still connect and health checks answer.
    const client = await RawClient.connect(t.url, { token: t.token('bob') });
    expect((await fetch(`${t.httpUrl}/healthz`)).status).toBe(200);
    await client.close();
    const results = await Promise.all(attacks);
    for (const r of results) {
      expect(status(r)).not.toBe('101');
      expect(r.closedAfterMs).toBeDefined();
    }
  }, 40_000);
});
