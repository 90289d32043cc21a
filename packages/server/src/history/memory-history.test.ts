import { describe, expect, it } from 'vitest';
import { EncodedPush } from '../publish/encoded-push.js';
import { MemoryHistory } from './memory-history.js';

function setup(members = new Set<string>()) {
  let now = 1_000_000;
  const history = new MemoryHistory({
    hasMembers: (room) => members.has(room),
    sizeOf: () => 10,
    now: () => now,
    sweepMs: 3_600_000,
  });
  const publish = (room: string, policy = { size: 3, ttlSec: 60 }, data: unknown = null) =>
    history.append(room, policy, (at) => EncodedPush.of({ t: 'push', event: 'e', data, room, ...at }));
  return { history, publish, advance: (ms: number) => (now += ms) };
}

const offsets = (pushes: readonly EncodedPush[]) => pushes.map((p) => p.envelope.offset);

describe('MemoryHistory', () => {
  const policy = { size: 3, ttlSec: 60 };

  it('gives each message of a room the next offset, starting at 1, in one epoch', () => {
    const { history, publish } = setup();
    expect(history.position('r', policy).offset).toBe(0);
    const [a, b] = [publish('r'), publish('r')];
    expect(a.envelope.offset).toBe(1);
    expect(b.envelope.offset).toBe(2);
    expect(a.envelope.epoch).toBe(b.envelope.epoch);
    expect(publish('other').envelope.offset).toBe(1);
    expect(history.usage).toEqual({ messages: 3, bytes: 30 });
    history.close();
  });

  it('recovers exactly the messages after since, while history holds all of them', () => {
    const { history, publish } = setup();
    for (let i = 0; i < 3; i++) publish('r');
    const { epoch } = history.position('r', policy);
    expect(offsets(history.read('r', policy, { offset: 1, epoch }).pushes)).toEqual([2, 3]);
    expect(history.read('r', policy, { offset: 3, epoch })).toMatchObject({ recovered: true, pushes: [] });
    expect(history.read('r', policy, { offset: 0, epoch })).toMatchObject({ recovered: true });
    // Trimmed by size: message 1 is gone.
    publish('r');
    expect(history.read('r', policy, { offset: 0, epoch })).toMatchObject({ recovered: false, pushes: [] });
    expect(offsets(history.read('r', policy, { offset: 1, epoch }).pushes)).toEqual([2, 3, 4]);
    // Another epoch, or a position ahead of the stream: never wrong messages.
    expect(history.read('r', policy, { offset: 1, epoch: 'other' }).recovered).toBe(false);
    expect(history.read('r', policy, { offset: 9, epoch }).recovered).toBe(false);
    expect(history.usage.messages).toBe(3);
    history.close();
  });

  it('trims messages past ttlSec and forgets a room without members after ttlSec, with a new epoch next time', () => {
    const members = new Set<string>(['kept']);
    const { history, publish, advance } = setup(members);
    publish('gone');
    publish('kept');
    const old = history.position('gone', policy).epoch;
    advance(61_000);
    expect(history.read('kept', policy, { offset: 0, epoch: history.position('kept', policy).epoch }).recovered).toBe(
      false,
    );
    history.sweep();
    expect(history.usage.messages).toBe(0);
    expect(history.position('kept', policy).offset).toBe(1);
    const fresh = history.position('gone', policy);
    expect(fresh.offset).toBe(0);
    expect(fresh.epoch).not.toBe(old);
    expect(history.read('gone', policy, { offset: 1, epoch: old }).recovered).toBe(false);
    history.close();
  });

  it('a push that cannot be built takes no offset', () => {
    const { history, publish } = setup();
    expect(() =>
      history.append('r', policy, () => {
        throw new TypeError('not encodable');
      }),
    ).toThrow(TypeError);
    expect(publish('r').envelope.offset).toBe(1);
    history.close();
  });

  it('pages through history for the HTTP API, saying when the start is missing', () => {
    const { history, publish } = setup();
    for (let i = 0; i < 5; i++) publish('r', { size: 3, ttlSec: 60 });
    const { epoch } = history.position('r', policy);
    const page = history.page('r', policy, 2, 2, epoch);
    expect(page.complete).toBe(true);
    expect(page.entries.map((e) => e.offset)).toEqual([3, 4]);
    expect(history.page('r', policy, 0, 10).complete).toBe(false);
    expect(history.page('r', policy, 2, 10, 'other')).toMatchObject({ complete: false });
    expect(history.page('r', policy, 5, 10, epoch)).toMatchObject({ complete: true, entries: [] });
    expect(history.firstSkipped('r', 2)).toBe(4);
    history.close();
  });
});
