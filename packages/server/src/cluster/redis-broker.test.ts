import { createClient } from '@redis/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../test-support/redis-server.js';
import type { Broker, BrokerListener, BrokerMetrics } from './broker.js';
import { createRedisBroker, type RedisBrokerOptions } from './redis-broker.js';

/** Everything one broker heard, in order. */
class Recorder implements BrokerListener {
  readonly rooms: { room: string; text: string }[] = [];
  readonly control: string[] = [];
  readonly links: boolean[] = [];
  readonly resubscriptions: string[][] = [];
  roomMessage(room: string, message: Uint8Array): void {
    this.rooms.push({ room, text: Buffer.from(message).toString() });
  }
  controlMessage(message: Uint8Array): void {
    this.control.push(Buffer.from(message).toString());
  }
  linkChanged(connected: boolean): void {
    this.links.push(connected);
  }
  resubscribed(rooms: readonly string[]): void {
    this.resubscriptions.push([...rooms]);
  }
  texts(room: string): string[] {
    return this.rooms.filter((m) => m.room === room).map((m) => m.text);
  }
}

class MetricsRecorder implements BrokerMetrics {
  links: boolean[] = [];
  publishedMessages = 0;
  receivedMessages = 0;
  droppedMessages = 0;
  reconnects = 0;
  latencies = 0;
  linkChanged(connected: boolean): void {
    this.links.push(connected);
  }
  published(messages: number): void {
    this.publishedMessages += messages;
  }
  received(messages: number): void {
    this.receivedMessages += messages;
  }
  dropped(messages: number): void {
    this.droppedMessages += messages;
  }
  reconnected(): void {
    this.reconnects++;
  }
  publishLatency(): void {
    this.latencies++;
  }
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const bytes = (text: string): Uint8Array => Buffer.from(text);

let redis: TestRedis;
let prefixCounter = 0;
const brokers: Broker[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis.stop();
});
afterEach(async () => {
  redis.resume();
  await Promise.all(brokers.splice(0).map((broker) => broker.close()));
});

async function node(
  nodeId: string,
  prefix: string,
  extra: Partial<RedisBrokerOptions> = {},
): Promise<{ broker: Broker; heard: Recorder }> {
  const broker = createRedisBroker({ url: redis.url, prefix, nodeId, ...extra });
  brokers.push(broker);
  const heard = new Recorder();
  await broker.start(heard);
  return { broker, heard };
}

async function pair(extra: Partial<RedisBrokerOptions> = {}) {
  const prefix = `t${++prefixCounter}`;
  return [await node('a', prefix, extra), await node('b', prefix)] as const;
}

describe('redis broker', () => {
  it('delivers room messages to subscribed nodes, the sender included, in publish order', async () => {
    const [a, b] = await pair();
    expect(a.broker.clustered).toBe(true);
    expect(a.broker.connected).toBe(true);
    expect(a.heard.links).toEqual([true]);
    await Promise.all([a.broker.subscribe('r1'), b.broker.subscribe('r1'), a.broker.subscribe('r2')]);
    await a.broker.subscribe('r1'); // idempotent
    const sent = Array.from({ length: 200 }, (_, i) => `m${i}`);
    for (const text of sent.slice(0, 100)) expect(a.broker.publish('r1', bytes(text))).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    // r2 is published in an earlier PUBLISH than the rest of r1: b would have it before r1's last message.
    a.broker.publish('r2', bytes('only a'));
    await new Promise((resolve) => setImmediate(resolve));
    for (const text of sent.slice(100)) a.broker.publish('r1', bytes(text));
    await waitFor(() => b.heard.texts('r1').length === 200 && a.heard.texts('r1').length === 200, 'r1 on both');
    expect(b.heard.texts('r1')).toEqual(sent);
    expect(a.heard.texts('r1')).toEqual(sent);
    expect(a.heard.texts('r2')).toEqual(['only a']);
    expect(b.heard.texts('r2')).toEqual([]);
  });

  it('stops delivering a room after unsubscribe', async () => {
    const [a, b] = await pair();
    await Promise.all([a.broker.subscribe('r'), b.broker.subscribe('r'), b.broker.subscribe('marker')]);
    await b.broker.unsubscribe('r');
    a.broker.publish('r', bytes('after unsubscribe'));
    await new Promise((resolve) => setImmediate(resolve));
    a.broker.publish('marker', bytes('end'));
    await waitFor(() => b.heard.texts('marker').length === 1 && a.heard.texts('r').length === 1, 'marker');
    expect(b.heard.texts('r')).toEqual([]);
  });

  it('carries control messages to every node', async () => {
    const [a, b] = await pair();
    a.broker.publishControl(bytes('c1'));
    b.broker.publishControl(bytes('c2'));
    await waitFor(() => a.heard.control.length === 2 && b.heard.control.length === 2, 'control messages');
    expect(new Set(a.heard.control)).toEqual(new Set(['c1', 'c2']));
  });

  it('survives Redis killed and restarted: queues in order, refuses past the bound, resubscribes', async () => {
    const metrics = new MetricsRecorder();
    const [a, b] = await pair({ maxQueue: 5, metrics });
    await Promise.all([a.broker.subscribe('r'), b.broker.subscribe('r')]);
    await redis.kill();
    await waitFor(() => a.heard.links.at(-1) === false && b.heard.links.at(-1) === false, 'link down');
    expect(a.broker.connected).toBe(false);
    const accepted = Array.from({ length: 8 }, (_, i) => a.broker.publish('r', bytes(`down${i}`)));
    expect(accepted).toEqual([true, true, true, true, true, false, false, false]);
    expect(a.broker.queueDepth).toBe(5);
    expect(metrics.droppedMessages).toBe(3);

    await redis.restart();
    await waitFor(() => a.heard.resubscriptions.length === 1 && b.heard.resubscriptions.length === 1, 'resubscribe');
    expect(a.heard.resubscriptions[0]).toEqual(['r']);
    expect(b.heard.resubscriptions[0]).toEqual(['r']);
    // The two connections come back on their own schedules; the link is up once both are.
    await waitFor(() => a.heard.links.length === 3, 'link up');
    expect(a.heard.links).toEqual([true, false, true]);
    expect(metrics.links).toEqual([true, false, true]);
    expect(metrics.reconnects).toBe(1);
    // The queued messages were written once this node's subscriber was back: they echo, in order.
    await waitFor(() => a.heard.texts('r').length === 5, 'queued messages');
    expect(a.heard.texts('r')).toEqual(['down0', 'down1', 'down2', 'down3', 'down4']);
    expect(a.broker.queueDepth).toBe(0);

    await waitFor(() => b.heard.links.at(-1) === true, 'b link');
    a.broker.publish('r', bytes('after'));
    await waitFor(() => b.heard.texts('r').includes('after'), 'traffic after restart');
  }, 20_000);

  it('writes again what was in flight when Redis died', async () => {
    const [a] = await pair();
    await a.broker.subscribe('r');
    redis.pause();
    a.broker.publish('r', bytes('in flight 1'));
    a.broker.publish('r', bytes('in flight 2'));
    expect(a.broker.queueDepth).toBe(2);
    // Give the flush and the socket write time to happen: Redis is frozen, so both
    // messages sit written and unacknowledged when it dies.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(a.broker.queueDepth).toBe(2);
    await redis.kill();
    await waitFor(() => a.heard.links.at(-1) === false, 'link down');
    a.broker.publish('r', bytes('queued'));
    await redis.restart();
    await waitFor(() => a.heard.texts('r').length === 3, 'messages after restart');
    expect(a.heard.texts('r')).toEqual(['in flight 1', 'in flight 2', 'queued']);
  }, 15_000);

  it('resubscribes by itself after CLIENT KILL TYPE pubsub', async () => {
    const [a, b] = await pair();
    await Promise.all([a.broker.subscribe('r'), b.broker.subscribe('r')]);
    const admin = createClient({ url: redis.url });
    admin.on('error', () => {});
    await admin.connect();
    try {
      await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
    } finally {
      admin.destroy();
    }
    await waitFor(() => a.heard.resubscriptions.length === 1 && b.heard.resubscriptions.length === 1, 'resubscribe');
    expect(b.heard.resubscriptions[0]).toEqual(['r']);
    expect(b.heard.links).toEqual([true, false, true]);
    a.broker.publish('r', bytes('after kill'));
    a.broker.publishControl(bytes('control after kill'));
    await waitFor(() => b.heard.texts('r').includes('after kill'), 'room traffic after kill');
    await waitFor(() => b.heard.control.includes('control after kill'), 'control traffic after kill');
  }, 15_000);

  it('keeps memory bounded while Redis is frozen under load, then recovers', async () => {
    const maxQueue = 300;
    const metrics = new MetricsRecorder();
    const [a, b] = await pair({ maxQueue, metrics });
    await Promise.all([a.broker.subscribe('r'), b.broker.subscribe('r')]);
    let deepest = 0;
    let refused = 0;
    let sent = 0;
    const load = setInterval(() => {
      for (let i = 0; i < 20; i++) {
        if (a.broker.publish('r', bytes(`load${sent}`))) sent++;
        else refused++;
      }
      deepest = Math.max(deepest, a.broker.queueDepth);
    }, 5);
    try {
      redis.pause();
      const frozenAt = Date.now();
      await waitFor(() => Date.now() - frozenAt >= 5_000, 'five seconds frozen', 6_000);
      expect(refused).toBeGreaterThan(0);
      expect(a.broker.queueDepth).toBeLessThanOrEqual(maxQueue);
      redis.resume();
      await waitFor(() => metrics.publishedMessages > maxQueue, 'acknowledgements after SIGCONT');
    } finally {
      clearInterval(load);
      redis.resume();
    }
    expect(deepest).toBeLessThanOrEqual(maxQueue);
    expect(metrics.droppedMessages).toBe(refused);
    await waitFor(() => a.broker.queueDepth === 0, 'queue drained');
    a.broker.publish('r', bytes('after thaw'));
    await waitFor(() => b.heard.texts('r').includes('after thaw'), 'traffic after SIGCONT');
    // Everything accepted reached the other node, in order.
    expect(b.heard.texts('r').slice(0, sent)).toEqual(Array.from({ length: sent }, (_, i) => `load${i}`));
  }, 20_000);

  it('refuses publishes after close', async () => {
    const [a] = await pair();
    await a.broker.close();
    expect(a.broker.publish('r', bytes('late'))).toBe(false);
    expect(a.broker.connected).toBe(false);
  });
});
