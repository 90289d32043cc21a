import { describe, expect, it } from 'vitest';
import type { OutgoingFrame, Transport, TransportSocket } from '../transport/types.js';
import { DeferredTopics } from './deferred-topics.js';

type Sent = { via: string; topic: string; frame: OutgoingFrame };

function fakes() {
  const sent: Sent[] = [];
  const transport = {
    publish: (topic: string, frame: OutgoingFrame) => void sent.push({ via: 'app', topic, frame }),
  } as unknown as Transport;
  const sender = {
    closed: false,
    publish: (topic: string, frame: OutgoingFrame) => void sent.push({ via: 'sender', topic, frame }),
  } as unknown as TransportSocket & { closed: boolean };
  return { sent, transport, sender };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('DeferredTopics', () => {
  it('issues publishes in one batch on the next turn, in order', async () => {
    const { sent, transport } = fakes();
    const topics = new DeferredTopics(transport);
    for (let i = 0; i < 50; i++) topics.publish('t', String(i), false);
    expect(sent).toEqual([]);
    expect(topics.size).toBe(50);
    await nextTurn();
    expect(sent.map((s) => s.frame)).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    expect(topics.size).toBe(0);
  });

  it('publishes at once inside directly(), unless earlier ones still wait', async () => {
    const { sent, transport } = fakes();
    const topics = new DeferredTopics(transport);
    topics.directly(() => topics.publish('t', 'a', false));
    expect(sent.map((s) => s.frame)).toEqual(['a']);
    topics.publish('t', 'b', false);
    topics.directly(() => topics.publish('t', 'c', false));
    expect(sent.map((s) => s.frame)).toEqual(['a']);
    await nextTurn();
    expect(sent.map((s) => s.frame)).toEqual(['a', 'b', 'c']);
  });

  it('flush() issues what waits; a sender that closed meanwhile is replaced by a publish to all', () => {
    const { sent, transport, sender } = fakes();
    const topics = new DeferredTopics(transport);
    topics.publish('t', 'x', false, sender);
    topics.publish('t', 'y', false, sender);
    topics.flush();
    sender.closed = true;
    topics.publish('t', 'z', false, sender);
    topics.flush();
    expect(sent.map((s) => `${s.via}:${String(s.frame)}`)).toEqual(['sender:x', 'sender:y', 'app:z']);
  });

  it('queues a frame for one connection behind the publishes waiting, and only then', async () => {
    const { sent, transport } = fakes();
    const topics = new DeferredTopics(transport);
    expect(topics.behindPending(() => sent.push({ via: 'direct', topic: '', frame: 'x' }))).toBe(false);
    expect(sent).toEqual([]);
    topics.publish('t', 'a', false);
    expect(topics.behindPending(() => sent.push({ via: 'direct', topic: '', frame: 'reply' }))).toBe(true);
    topics.publish('t', 'b', false);
    await nextTurn();
    expect(sent.map((s) => s.frame)).toEqual(['a', 'reply', 'b']);
  });
});
