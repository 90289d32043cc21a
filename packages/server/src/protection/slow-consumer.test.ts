import { describe, expect, it } from 'vitest';
import type { SlowConsumerPolicy } from '../config/options.js';
import { SlowConsumers } from './slow-consumer.js';

function setup(policies: Record<string, SlowConsumerPolicy>, maxLatestKeys = 100) {
  // Totals by policy, as the counter sees them.
  const drops: Record<string, number> = {};
  const replays = { count: 0 };
  const sc = new SlowConsumers<string>({
    maxBackpressure: 1000,
    maxLatestKeys,
    policyFor: (room) => policies[room] ?? 'close',
    onDropped: (policy, count) => (drops[policy] = (drops[policy] ?? 0) + count),
    onReplayed: (count) => (replays.count += count),
  });
  return { sc, drops, replays };
}

describe('SlowConsumers', () => {
  it('detects over-limit and resume thresholds with hysteresis', () => {
    const { sc } = setup({ d: 'drop' });
    const c = sc.newConsumer();
    expect(sc.isOverLimit(1000)).toBe(false);
    expect(sc.isOverLimit(1001)).toBe(true);
    expect(sc.canResume(c, 0)).toBe(false); // not paused
    sc.overLimit(c, ['d']);
    expect(sc.canResume(c, 501)).toBe(false);
    expect(sc.canResume(c, 500)).toBe(true);
  });

  it('closes when any room uses close, or the connection is in no room', () => {
    const { sc } = setup({ d: 'drop', l: 'latest' });
    expect(sc.overLimit(sc.newConsumer(), ['d', 'chat'])).toBe('close');
    expect(sc.overLimit(sc.newConsumer(), [])).toBe('close');
    expect(sc.overLimit(sc.newConsumer(), ['d', 'l'])).toBe('pause');
  });

  it('drop: counts each skipped message when it is published, while the consumer is still paused', () => {
    const { sc, drops } = setup({ d: 'drop' });
    sc.published('d', 'e', undefined, 'before'); // no one paused: not even counted
    const c = sc.newConsumer();
    expect(sc.overLimit(c, ['d'])).toBe('pause');
    for (let i = 0; i < 7; i++) sc.published('d', 'e', undefined, `m${i}`);
    expect(drops).toEqual({ drop: 7 });
    expect(sc.resume(c)).toEqual([{ room: 'd', policy: 'drop', missed: 7, replay: [] }]);
    expect(drops).toEqual({ drop: 7 });
    expect(sc.isPaused(c)).toBe(false);
    expect(sc.pausedRooms).toBe(0);
  });

  it('latest: replays the newest value per (event, key); missed excludes the replayed ones', () => {
    const { sc, drops, replays } = setup({ t: 'latest' });
    const c = sc.newConsumer();
    sc.overLimit(c, ['t']);
    sc.published('t', 'price', 'BTC', 'b1');
    sc.published('t', 'price', 'ETH', 'e1');
    sc.published('t', 'price', 'BTC', 'b2');
    sc.published('t', 'price', 'BTC', 'b3');
    sc.published('t', 'status', undefined, 's1');
    const [catchup] = sc.resume(c);
    expect(catchup?.replay.map((e) => e.value)).toEqual(['e1', 'b3', 's1']);
    expect(catchup?.missed).toBe(2);
    // Five skipped as published, three of them replayed: two lost.
    expect(drops).toEqual({ latest: 5 });
    expect(replays.count).toBe(3);
  });

  it('two consumers paused at different times each get what they missed', () => {
    const { sc, drops } = setup({ t: 'latest' });
    const a = sc.newConsumer();
    const b = sc.newConsumer();
    sc.overLimit(a, ['t']);
    sc.published('t', 'p', 'K', 'k1');
    sc.published('t', 'p', 'J', 'j1');
    sc.overLimit(b, ['t']);
    sc.published('t', 'p', 'K', 'k2');
    // One skip per paused consumer per publish: a skipped three, b one.
    expect(drops).toEqual({ latest: 4 });
    const [ca] = sc.resume(a);
    expect(ca?.replay.map((e) => e.value)).toEqual(['j1', 'k2']);
    expect(ca?.missed).toBe(1);
    const [cb] = sc.resume(b);
    expect(cb?.replay.map((e) => e.value)).toEqual(['k2']);
    expect(cb?.missed).toBe(0);
    expect(sc.pausedRooms).toBe(0);
  });

  it('a room stream lives only while someone is paused in it', () => {
    const { sc } = setup({ d: 'drop' });
    const a = sc.newConsumer();
    sc.overLimit(a, ['d']);
    sc.published('d', 'e', undefined, 'x');
    sc.resume(a);
    expect(sc.pausedRooms).toBe(0);
    const b = sc.newConsumer();
    sc.overLimit(b, ['d']);
    expect(sc.resume(b)[0]?.missed).toBe(0);
  });

  it('leaving or closing while paused replays nothing: the drops counted at publish stand', () => {
    const { sc, drops, replays } = setup({ l: 'latest', d: 'drop' });
    const c = sc.newConsumer();
    sc.overLimit(c, ['l', 'd']);
    sc.published('l', 'e', 'k', '1');
    sc.published('l', 'e', 'k', '2');
    sc.published('d', 'e', undefined, '3');
    expect(drops).toEqual({ latest: 2, drop: 1 });
    sc.left(c, 'l');
    sc.closed(c);
    expect(drops).toEqual({ latest: 2, drop: 1 });
    expect(replays.count).toBe(0);
    sc.published('d', 'e', undefined, '4');
    expect(drops).toEqual({ latest: 2, drop: 1 });
    expect(sc.isPaused(c)).toBe(false);
    expect(sc.pausedRooms).toBe(0);
  });

  it('a paused connection joining a room joins the pause (except close rooms)', () => {
    const { sc } = setup({ d: 'drop', d2: 'drop' });
    const c = sc.newConsumer();
    expect(sc.joined(c, 'd')).toBe(true); // not paused: subscribe normally
    sc.overLimit(c, ['d']);
    expect(sc.joined(c, 'd2')).toBe(false);
    expect(sc.joined(c, 'chat')).toBe(true);
    sc.published('d2', 'e', undefined, 'x');
    expect(sc.resume(c).map((x) => [x.room, x.missed])).toEqual([
      ['d', 0],
      ['d2', 1],
    ]);
  });

  it('evicted latest slots count as missed', () => {
    const { sc } = setup({ t: 'latest' }, 2);
    const c = sc.newConsumer();
    sc.overLimit(c, ['t']);
    for (const k of ['a', 'b', 'c', 'd']) sc.published('t', 'p', k, k);
    const [x] = sc.resume(c);
    expect(x?.replay.map((e) => e.value)).toEqual(['c', 'd']);
    expect(x?.missed).toBe(2);
  });

  it('maxBackpressure 0 disables the check', () => {
    const sc = new SlowConsumers<string>({ maxBackpressure: 0, policyFor: () => 'close' });
    expect(sc.isOverLimit(10 ** 9)).toBe(false);
  });
});
