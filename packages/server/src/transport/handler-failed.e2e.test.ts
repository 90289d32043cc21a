import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { noopMetrics } from '../metrics/metrics.js';
import { RawClient } from '../test-support/raw-client.js';
import { startTestServer, type TestServer } from '../testing/index.js';

function memoryLog(): { logger: ReturnType<typeof pino>; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const lines = (): Record<string, unknown>[] =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('a handler that throws inside the transport', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.close();
  });

  it('is logged once as handler_failed with the connection id, and the server keeps serving', async () => {
    const log = memoryLog();
    let broken = true;
    // A metrics sink is user code the frame handler calls synchronously, inside the uWS callback.
    const metricsSink = {
      ...noopMetrics,
      messageReceived: () => {
        if (broken) throw new Error('metrics sink broke');
      },
    };
    t = await startTestServer({ logger: log.logger, metricsSink });
    const client = await RawClient.connect(t.url, { token: t.token('alice') });
    const welcome = client.received[0] as { t: string; connectionId: string };
    expect(welcome.t).toBe('welcome');

    client.send({ t: 'ping' });
    const failures = () => log.lines().filter((line) => line['event'] === 'handler_failed');
    await until(() => failures().length > 0);
    broken = false;
    client.send({ t: 'ping' });
    expect(await client.next((e) => e.t === 'pong')).toEqual({ t: 'pong' });

    expect(failures()).toHaveLength(1);
    expect(failures()[0]).toMatchObject({
      level: 50,
      where: 'message',
      connectionId: welcome.connectionId,
      err: { message: 'metrics sink broke' },
    });
    await client.close();
  });
});
