import { describe, expect, it } from 'vitest';
import { jsonCodec, type ServerEnvelope } from '@switchyard/protocol';
import { noopMetrics } from '../metrics/metrics.js';
import type { ServerConnection } from '../session/connection.js';
import type { OutgoingFrame } from '../transport/types.js';
import { TopicTransport } from '../test-support/topic-transport.js';
import { presenceCountTopic, presenceTopic } from '../publish/topics.js';
import { PresenceFanOut, type PresenceFanOutOptions } from './presence-fan-out.js';

// A transport that delivers topic publishes to the members subscribed at that moment, so the
// order of publishes and subscriptions in a batch shows in what each member received.
class Members extends TopicTransport<string> {
  readonly received = new Map<string, ServerEnvelope[]>();
  publishes = 0;
  publish(topic: string, frame: OutgoingFrame): void {
    this.publishes++;
    for (const name of this.topics.get(topic) ?? []) {
      this.received.get(name)?.push(jsonCodec.decodeFromServer(frame, false));
    }
  }

  /** A member of `room` with presence (its subscription goes through `fanOut` when given). */
  member(name: string, room: string, fanOut?: PresenceFanOut, counts = false): ServerConnection {
    this.received.set(name, []);
    const subscribe = (topic: string) => this.add(topic, name);
    const conn = {
      closed: false,
      codecImpl: jsonCodec,
      wantsPresence: () => true,
      socket: { subscribe },
    } as unknown as ServerConnection;
    if (counts) subscribe(presenceCountTopic(jsonCodec, room));
    if (fanOut) fanOut.subscribe(conn, room);
    else subscribe(presenceTopic(jsonCodec, room));
    return conn;
  }
}

function setup(options: PresenceFanOutOptions = {}) {
  const transport = new Members();
  const turns: (() => void)[] = [];
  const fanOut = new PresenceFanOut(transport, [jsonCodec], noopMetrics, {
    defer: (flush) => void turns.push(flush),
    ...options,
  });
  const endTurn = () => turns.splice(0).forEach((flush) => flush());
  return { transport, fanOut, endTurn, turns };
}

const join = (room: string, userId: string) => ({ room, change: 'join' as const, userId, connections: 1 });
const users = (envelopes: ServerEnvelope[] | undefined) =>
  envelopes?.map((e) => (e.t === 'presence' && e.change !== 'count' ? e.userId : e));

describe('PresenceFanOut', () => {
  it('sends a turn’s changes at the end of the turn, in order, one batch per room', () => {
    const { transport, fanOut, endTurn, turns } = setup();
    transport.member('old', 'lobby');
    for (const user of ['a', 'b', 'c']) fanOut.announce(join('lobby', user));
    fanOut.announce(join('other', 'd'));
    expect(transport.publishes).toBe(0);
    expect(turns).toHaveLength(1);
    endTurn();
    expect(users(transport.received.get('old'))).toEqual(['a', 'b', 'c']);
  });

  it('subscribes a member that joined during the turn after the changes queued before its join', () => {
    const { transport, fanOut, endTurn } = setup();
    transport.member('old', 'lobby');
    fanOut.announce(join('lobby', 'a'));
    fanOut.announce(join('lobby', 'b'));
    transport.member('b', 'lobby', fanOut);
    fanOut.announce(join('lobby', 'c'));
    endTurn();
    expect(users(transport.received.get('old'))).toEqual(['a', 'b', 'c']);
    // b's join reply holds a and b; it hears only what came after.
    expect(users(transport.received.get('b'))).toEqual(['c']);
  });

  it('above the limit sends one count per turn to the members that read counts, and no per-user changes', () => {
    let count = 12;
    const { transport, fanOut, endTurn } = setup({ limit: 10, users: () => count });
    transport.member('reader', 'lobby', undefined, true);
    transport.member('older', 'lobby');
    for (const user of ['a', 'b', 'c']) fanOut.announce(join('lobby', user));
    endTurn();
    expect(transport.received.get('reader')).toEqual([{ t: 'presence', room: 'lobby', change: 'count', count: 12 }]);
    expect(transport.received.get('older')).toEqual([]);
    count = 10;
    fanOut.announce({ room: 'lobby', change: 'leave', userId: 'a', connections: 0 });
    endTurn();
    expect(users(transport.received.get('older'))).toEqual(['a']);
  });

  it('waits for a count that comes from the cluster, and falls back to per-user changes when it fails', async () => {
    let answer: Promise<number> = Promise.resolve(50);
    const { transport, fanOut, endTurn } = setup({ limit: 10, users: () => answer });
    transport.member('reader', 'lobby', undefined, true);
    fanOut.announce(join('lobby', 'a'));
    endTurn();
    await answer;
    expect(transport.received.get('reader')).toEqual([{ t: 'presence', room: 'lobby', change: 'count', count: 50 }]);
    answer = Promise.reject(new Error('redis is down'));
    fanOut.announce(join('lobby', 'b'));
    endTurn();
    await answer.catch(() => {});
    await Promise.resolve();
    expect(users(transport.received.get('reader'))?.at(-1)).toBe('b');
  });

  it('sends nothing once the server is closing, queued changes included', () => {
    let closing = false;
    const { transport, fanOut, endTurn } = setup({ closing: () => closing });
    transport.member('m', 'lobby');
    fanOut.announce(join('lobby', 'a'));
    closing = true;
    fanOut.announce(join('lobby', 'b'));
    endTurn();
    expect(transport.publishes).toBe(0);
  });
});
