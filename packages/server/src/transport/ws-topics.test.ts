import { describe, expect, it } from 'vitest';
import { WsTopics, type TopicMember } from './ws-topics.js';

class Member implements TopicMember {
  readonly written: Buffer[] = [];
  writeFramed(framed: Buffer): void {
    this.written.push(framed);
  }
}

describe('WsTopics', () => {
  it('frames a publish once and writes the same bytes to every subscriber', () => {
    const topics = new WsTopics<Member>();
    const [a, b, c] = [new Member(), new Member(), new Member()];
    topics.subscribe('j:room', a);
    topics.subscribe('j:room', b);
    topics.subscribe('j:other', c);
    topics.publish('j:room', 'hi', false);
    expect(a.written).toHaveLength(1);
    expect(a.written[0]).toBe(b.written[0]); // one buffer, not a copy per socket
    expect(a.written[0]!.toString('hex')).toBe('8102' + Buffer.from('hi').toString('hex'));
    expect(c.written).toHaveLength(0);
  });

  it('leaves out the sender, and frames nothing when the sender is the only subscriber', () => {
    const topics = new WsTopics<Member>();
    const [sender, other] = [new Member(), new Member()];
    topics.subscribe('t', sender);
    topics.publish('t', 'x', false, sender);
    expect(sender.written).toHaveLength(0);
    topics.subscribe('t', other);
    topics.publish('t', new Uint8Array([1]), true, sender);
    expect(sender.written).toHaveLength(0);
    expect(other.written[0]!.toString('hex')).toBe('820101');
  });

  it('counts subscribers and forgets a topic when its last subscriber leaves', () => {
    const topics = new WsTopics<Member>();
    const m = new Member();
    topics.subscribe('t', m);
    topics.subscribe('t', m);
    expect(topics.numSubscribers('t')).toBe(1);
    expect(topics.isSubscribed('t', m)).toBe(true);
    topics.unsubscribe('t', m);
    topics.unsubscribe('t', m);
    expect(topics.numSubscribers('t')).toBe(0);
    expect(topics.isSubscribed('t', m)).toBe(false);
    topics.publish('t', 'x', false);
    expect(m.written).toHaveLength(0);
  });
});
