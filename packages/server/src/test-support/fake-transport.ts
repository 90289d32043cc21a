import { randomUUID } from 'node:crypto';
import { jsonCodec, type Codec, type ServerEnvelope } from '@switchyard/protocol';
import type { ConnectionInit } from '../session/connection-init.js';
import { CorkedWriter } from '../session/corked-writer.js';
import type { OutgoingFrame, SendResult, Transport, TransportSocket } from '../transport/types.js';

/**
 * A transport with no network: topic subscriptions live in a map and publishes are recorded, so
 * the core's fan-out, sessions and upgrade decisions can be tested without uWS or sockets.
 */
export class FakeTransport implements Transport {
  readonly topics = new Map<string, Set<FakeSocket>>();
  readonly published: { topic: string; exclude?: FakeSocket }[] = [];
  publish(topic: string): void {
    this.published.push({ topic });
  }
  numSubscribers(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }
  serve(): void {}
  listen = () => Promise.resolve(0);
  listenSideHttp = () => Promise.resolve(0);
  stopListening(): void {}
}

/** One socket of a {@link FakeTransport}: records what is sent and how it was closed. */
export class FakeSocket implements TransportSocket {
  closed = false;
  readonly sent: OutgoingFrame[] = [];
  /** The close code and reason of `end`, once called. */
  ended: { code: number; reason: string } | undefined;
  /** What the next sends report (a test sets 'backpressure' or 'dropped'). */
  sendResult: SendResult = 'ok';
  /** Sends made inside `cork`, and outside it. */
  corkedSends = 0;
  uncorkedSends = 0;
  #corked = false;

  constructor(readonly transport: FakeTransport = new FakeTransport()) {}

  send(frame: OutgoingFrame): SendResult {
    if (this.closed) return 'closed';
    if (this.#corked) this.corkedSends++;
    else this.uncorkedSends++;
    this.sent.push(frame);
    return this.sendResult;
  }
  publish(topic: string): void {
    this.transport.published.push({ topic, exclude: this });
  }
  subscribe(topic: string): void {
    const set = this.transport.topics.get(topic) ?? new Set();
    set.add(this);
    this.transport.topics.set(topic, set);
  }
  unsubscribe(topic: string): void {
    this.transport.topics.get(topic)?.delete(this);
  }
  bufferedAmount = () => 0;
  cork(fn: () => void): void {
    this.#corked = true;
    try {
      fn();
    } finally {
      this.#corked = false;
    }
  }
  end(code: number, reason: string): void {
    if (this.closed) return;
    this.ended = { code, reason };
    this.closed = true;
  }
  /** The frames sent so far, decoded with `codec`. */
  decoded(codec: Codec = jsonCodec): ServerEnvelope[] {
    return this.sent.map((frame) => codec.decodeFromServer(frame, codec.binary));
  }
}

/** A {@link ConnectionInit} for tests: anonymous-looking, no limits, JSON; `overrides` win. */
export function fakeConnectionInit(overrides: Partial<ConnectionInit> = {}): ConnectionInit {
  return {
    id: randomUUID(),
    userId: 'alice',
    claims: {},
    expiresAt: undefined,
    roomClaim: undefined,
    codec: jsonCodec,
    ip: '127.0.0.1',
    origin: '',
    messagesPerSecond: 0,
    messageBurst: 0,
    expiryGraceMs: 0,
    lease: { release: () => {} },
    slow: { paused: undefined },
    writer: new CorkedWriter(),
    ...overrides,
  };
}
