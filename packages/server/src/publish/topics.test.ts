import { describe, expect, it } from 'vitest';
import { jsonCodec, jsonV2Codec, type Codec, type Envelope } from '@switchyard/protocol';
import { msgpackCodec, msgpackV2Codec } from '@switchyard/protocol/msgpack';
import { ServerConnection } from '../session/connection.js';
import { Hub } from '../rooms/hub.js';
import { EncodedPush } from './encoded-push.js';
import { PresenceFanOut } from '../rooms/presence-fan-out.js';
import { noopMetrics, type ServerMetrics } from '../metrics/metrics.js';
import { RoomPolicies } from '../protection/room-policy.js';
import { SlowConsumers } from '../protection/slow-consumer.js';
import { presenceTopic, roomTopic } from './topics.js';
import type { OutgoingFrame, SendResult, TransportSocket } from '../transport/types.js';
import { TopicTransport } from '../test-support/topic-transport.js';
import { fakeConnectionInit } from '../test-support/fake-transport.js';

// A fake topic transport: enough to check that fan-out is topic publishes, one encode per codec.
class FakeTransport extends TopicTransport<FakeSocket> {
  readonly published: { topic: string; exclude?: FakeSocket }[] = [];
  publish(topic: string): void {
    this.published.push({ topic });
  }
}

class FakeSocket implements TransportSocket {
  closed = false;
  readonly sent: OutgoingFrame[] = [];
  constructor(readonly transport: FakeTransport) {}
  send(frame: OutgoingFrame): SendResult {
    this.sent.push(frame);
    return 'ok';
  }
  publish(topic: string): void {
    this.transport.published.push({ topic, exclude: this });
  }
  subscribe(topic: string): void {
    this.transport.add(topic, this);
  }
  unsubscribe(topic: string): void {
    this.transport.topics.get(topic)?.delete(this);
  }
  bufferedAmount = () => 0;
  cork(fn: () => void): void {
    fn();
  }
  end(): void {
    this.closed = true;
  }
}

// A room publish as the publisher makes it: one push, encoded at most once per wire format. The
// topic publishes leave in the next batch; the flush stands in for it.
function publish(
  hub: Hub,
  room: string,
  event: string,
  data: unknown,
  except?: ServerConnection | ReadonlySet<ServerConnection>,
  key?: string,
): number {
  const recipients = hub.fanOut(EncodedPush.of({ t: 'push', event, data, room }, key), except);
  hub.flushPushes();
  return recipients;
}

function counting(codec: Codec): Codec & { encodes: number } {
  const wrapped = {
    ...codec,
    encodes: 0,
    encode(envelope: Envelope) {
      wrapped.encodes++;
      return codec.encode(envelope);
    },
  };
  return wrapped;
}

function setup() {
  const transport = new FakeTransport();
  const json = counting(jsonCodec);
  const msgpack = counting(msgpackCodec);
  const jsonV2 = counting(jsonV2Codec);
  const msgpackV2 = counting(msgpackV2Codec);
  const codecs = [json, msgpack, jsonV2, msgpackV2];
  const sent: { kind: string; recipients: number }[] = [];
  const metrics: ServerMetrics = {
    ...noopMetrics,
    messageSent: (_c, kind, _b, recipients) => void sent.push({ kind, recipients }),
  };
  const policies = new RoomPolicies();
  const slow = new SlowConsumers<never>({ maxBackpressure: 1 << 20, policyFor: () => 'close' });
  const presenceFanOut = new PresenceFanOut(transport, codecs, metrics);
  const hub = new Hub({ transport, codecs, metrics, logger: console as never, policies, slow, presenceFanOut });
  let n = 0;
  const connect = (userId: string, codec: Codec) => {
    const socket = new FakeSocket(transport);
    const conn = new ServerConnection(
      fakeConnectionInit({ id: `c${++n}`, userId, codec, slow: slow.newConsumer() }),
      socket,
      hub,
    );
    hub.add(conn);
    return { conn, socket };
  };
  return { transport, json, msgpack, jsonV2, msgpackV2, sent, hub, connect, presenceFanOut };
}

describe('topics', () => {
  it('names one room topic and one presence topic per wire format', () => {
    expect(roomTopic(jsonCodec, 'chat')).toBe('j:chat');
    expect(roomTopic(msgpackCodec, 'chat')).toBe('m:chat');
    expect(presenceTopic(jsonCodec, 'chat')).toBe('jp:chat');
    expect(presenceTopic(msgpackCodec, 'chat')).toBe('mp:chat');
    expect(roomTopic(jsonV2Codec, 'chat')).toBe('j2:chat');
    expect(roomTopic(msgpackV2Codec, 'chat')).toBe('m2:chat');
    expect(presenceTopic(jsonV2Codec, 'chat')).toBe('j2p:chat');
    expect(presenceTopic(msgpackV2Codec, 'chat')).toBe('m2p:chat');
  });
});

describe('Hub fan-out over topics', () => {
  it('encodes once per codec with subscribers and publishes once per topic, whatever the member count', () => {
    const { transport, json, msgpack, sent, hub, connect } = setup();
    for (let i = 0; i < 50; i++) hub.join(connect(`j${i}`, json).conn, 'big', false);
    expect(publish(hub, 'big', 'e', { x: 1 })).toBe(50);
    expect(json.encodes).toBe(1);
    expect(msgpack.encodes).toBe(0); // no msgpack subscriber: nothing encoded
    expect(transport.published).toEqual([{ topic: 'j:big' }]);
    expect(sent).toEqual([{ kind: 'push', recipients: 50 }]);

    hub.join(connect('m', msgpack).conn, 'big', false);
    transport.published.length = 0;
    expect(publish(hub, 'big', 'e', 2)).toBe(51);
    expect(json.encodes).toBe(2);
    expect(msgpack.encodes).toBe(1);
    expect(transport.published.map((p) => p.topic).sort()).toEqual(['j:big', 'm:big']);
  });

  it('encodes once per wire format: v1 and v2 members of one room each get their own frame', () => {
    const { transport, json, msgpack, jsonV2, msgpackV2, sent, hub, connect } = setup();
    const sender = connect('s', jsonV2);
    for (const codec of [json, jsonV2, msgpack, msgpackV2])
      hub.join(connect(codec.subprotocol, codec).conn, 'mixed', false);
    hub.join(sender.conn, 'mixed', false);
    transport.published.length = 0;
    expect(publish(hub, 'mixed', 'e', { x: 1 }, sender.conn)).toBe(4);
    expect([json.encodes, jsonV2.encodes, msgpack.encodes, msgpackV2.encodes]).toEqual([1, 1, 1, 1]);
    expect(transport.published).toEqual([
      { topic: 'j:mixed' },
      { topic: 'm:mixed' },
      { topic: 'j2:mixed', exclude: sender.socket },
      { topic: 'm2:mixed' },
    ]);
    expect(sent.map((s) => s.recipients)).toEqual([1, 1, 1, 1]);
    // Several exclusions go member by member, still one encode per format.
    expect(publish(hub, 'mixed', 'e', 2, new Set([sender.conn]))).toBe(4);
    expect([json.encodes, jsonV2.encodes, msgpack.encodes, msgpackV2.encodes]).toEqual([2, 2, 2, 2]);
  });

  it('excludes a subscribed sender through its own socket and counts one recipient less', () => {
    const { transport, json, hub, connect } = setup();
    const sender = connect('s', json);
    const other = connect('o', json);
    hub.join(sender.conn, 'r', false);
    hub.join(other.conn, 'r', false);
    expect(publish(hub, 'r', 'e', 1, sender.conn)).toBe(1);
    expect(transport.published).toEqual([{ topic: 'j:r', exclude: sender.socket }]);
    // A sender outside the room cannot receive anyway: a plain app publish.
    const outsider = connect('x', json);
    transport.published.length = 0;
    expect(publish(hub, 'r', 'e', 1, outsider.conn)).toBe(2);
    expect(transport.published).toEqual([{ topic: 'j:r' }]);
  });

  it('publishes presence only to presence subscribers, first join and last leave only', () => {
    const { transport, json, hub, connect, presenceFanOut } = setup();
    const watcher = connect('w', json);
    hub.join(watcher.conn, 'lobby', true);
    const a1 = connect('a', json);
    const a2 = connect('a', json);
    transport.published.length = 0;
    hub.join(a1.conn, 'lobby', false);
    hub.join(a2.conn, 'lobby', false);
    hub.leave(a1.conn, 'lobby');
    hub.leave(a2.conn, 'lobby');
    // Presence changes go out once per turn, as one batch.
    expect(transport.published).toEqual([]);
    presenceFanOut.flush();
    expect(transport.published).toEqual([{ topic: 'jp:lobby' }, { topic: 'jp:lobby' }]);
    expect(hub.presence('lobby').members).toEqual([{ userId: 'w', connections: 1 }]);
  });
});

describe('slow consumer catch-up on topics', () => {
  // A socket whose send buffer grows with every frame, as a client that reads nothing does.
  class FillingSocket extends FakeSocket {
    buffered = 0;
    readonly limit: number;
    constructor(transport: FakeTransport, limit: number) {
      super(transport);
      this.limit = limit;
    }
    override send(frame: OutgoingFrame): SendResult {
      super.send(frame);
      this.buffered += typeof frame === 'string' ? frame.length : frame.byteLength;
      return this.buffered > this.limit ? 'backpressure' : 'ok';
    }
    override bufferedAmount = (): number => this.buffered;
  }

  it('a consumer that goes over the limit again while its latest values replay stays paused, not subscribed', () => {
    const transport = new FakeTransport();
    const codecs = [jsonCodec];
    const slow = new SlowConsumers<never>({ maxBackpressure: 1000, policyFor: () => 'latest' });
    const hub = new Hub({
      transport,
      codecs,
      metrics: noopMetrics,
      logger: console as never,
      policies: new RoomPolicies([{ pattern: '*', slowConsumer: 'latest' }]),
      slow,
      presenceFanOut: new PresenceFanOut(transport, codecs, noopMetrics),
    });
    const socket = new FillingSocket(transport, 1000);
    const conn = new ServerConnection(
      fakeConnectionInit({ id: 'c1', userId: 'u', codec: jsonCodec, slow: slow.newConsumer() }),
      socket,
      hub,
    );
    hub.add(conn);
    hub.join(conn, 'ticker', false);
    const topic = roomTopic(jsonCodec, 'ticker');
    expect(transport.numSubscribers(topic)).toBe(1);

    socket.buffered = 2000;
    hub.checkBackpressure(conn);
    expect(transport.numSubscribers(topic)).toBe(0);
    for (let i = 0; i < 5; i++) publish(hub, 'ticker', 'price', { pad: 'x'.repeat(300), i }, undefined, `k${i}`);

    // Drained below half the limit: the replay of five ~330-byte values overflows it again.
    socket.buffered = 0;
    hub.checkBackpressure(conn);
    expect(socket.buffered).toBeGreaterThan(1000);
    expect(slow.isPaused(conn.slow)).toBe(true);
    expect(transport.numSubscribers(topic)).toBe(0);

    // Once it really drains, it resumes and is subscribed again.
    socket.buffered = 0;
    hub.checkBackpressure(conn);
    expect(slow.isPaused(conn.slow)).toBe(false);
    expect(transport.numSubscribers(topic)).toBe(1);
  });
});

describe('room membership on the connection', () => {
  it('one room, many, and back: membership, presence flags and topics stay in step', () => {
    const { transport, jsonV2, hub, connect, presenceFanOut } = setup();
    const { conn } = connect('u1', jsonV2);
    const subscribed = (topic: string) => transport.topics.get(topic)?.size ?? 0;
    expect(conn.roomCount).toBe(0);
    expect(conn.roomNames()).toEqual([]);
    hub.join(conn, 'a', false);
    expect(conn.roomCount).toBe(1);
    expect(conn.inRoom('a')).toBe(true);
    expect(conn.inRoom('b')).toBe(false);
    expect(conn.wantsPresence('a')).toBe(false);
    // A second join of the same room only turns presence on.
    hub.join(conn, 'a', true);
    expect(conn.roomCount).toBe(1);
    expect(conn.wantsPresence('a')).toBe(true);
    // Subscribed once its own join, queued for this turn's presence batch, has gone out.
    expect(subscribed(presenceTopic(jsonV2, 'a'))).toBe(0);
    presenceFanOut.flush();
    expect(subscribed(presenceTopic(jsonV2, 'a'))).toBe(1);
    for (const room of ['b', 'c']) hub.join(conn, room, false);
    expect(conn.roomNames().sort()).toEqual(['a', 'b', 'c']);
    expect([...conn.rooms].sort()).toEqual(['a', 'b', 'c']);
    expect(subscribed(roomTopic(jsonV2, 'c'))).toBe(1);
    expect(hub.leave(conn, 'a')).toBe(true);
    expect(hub.leave(conn, 'a')).toBe(false);
    expect(conn.wantsPresence('a')).toBe(false);
    expect(subscribed(roomTopic(jsonV2, 'a'))).toBe(0);
    expect(subscribed(presenceTopic(jsonV2, 'a'))).toBe(0);
    hub.leave(conn, 'b');
    expect(conn.roomNames()).toEqual(['c']);
    expect(conn.inRoom('c')).toBe(true);
    hub.join(conn, 'd', true);
    expect(conn.roomNames().sort()).toEqual(['c', 'd']);
    hub.remove(conn);
    expect(conn.roomCount).toBe(0);
    expect(conn.wantsPresence('d')).toBe(false);
    expect(hub.registry.subscriptions).toBe(0);
  });
});

describe('rate limiters of a connection', () => {
  it('are one shared, stateless limiter while the rate limit is off', () => {
    const { jsonV2, connect } = setup();
    const a = connect('u1', jsonV2).conn;
    const b = connect('u2', jsonV2).conn;
    expect(a.rate).toBe(b.rate);
    expect(a.controlRate).toBe(b.rate);
    for (let i = 0; i < 1000; i++) expect(a.rate.check()).toBe('allow');
    expect(b.rate.recentViolations()).toBe(0);
  });
});
