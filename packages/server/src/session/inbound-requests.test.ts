import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReplyEnvelope } from '@switchyard/protocol';
import { InboundRequests, type Replier } from './inbound-requests.js';
import type { InboundRequestsSettings } from './inbound-requests.js';

/** Records every metrics call, in order. */
function recorder() {
  const calls: unknown[][] = [];
  const metrics: InboundRequestsSettings['metrics'] = {
    requestStarted: (...a) => void calls.push(['started', ...a]),
    requestCompleted: (direction, outcome) => void calls.push(['completed', direction, outcome]),
    operationCompleted: (kind) => void calls.push(['operation', kind]),
    replyError: (...a) => void calls.push(['error', ...a]),
  };
  return { calls, metrics };
}

/** A connection whose sends pass through the tracker, as ServerConnection's do. */
function connection(tracker: InboundRequests) {
  const sent: ReplyEnvelope[] = [];
  const conn: Replier = {
    send(reply) {
      if (!tracker.replying(conn, reply)) return false;
      sent.push(reply);
      return true;
    },
  };
  return { conn, sent };
}

const ok = (id: number): ReplyEnvelope => ({ t: 'reply', id, ok: true });
const fail = (id: number, code: 'FORBIDDEN' | 'NOT_FOUND'): ReplyEnvelope => ({
  t: 'reply',
  id,
  ok: false,
  error: { code, message: 'no' },
});

describe('InboundRequests', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('times requests and calls to their reply, and counts error replies by kind and code', () => {
    const { calls, metrics } = recorder();
    const tracker = new InboundRequests({ metrics });
    const { conn } = connection(tracker);
    tracker.received(conn, { t: 'request', id: 1, name: 'echo' });
    tracker.received(conn, { t: 'join', id: 2, room: 'a' });
    tracker.received(conn, { t: 'publish', id: 3, room: 'a', event: 'e' });
    tracker.received(conn, { t: 'publish', room: 'a', event: 'e' }); // no id: no reply to wait for
    tracker.received(conn, { t: 'event', event: 'typing' });
    expect(tracker.pending(conn)).toBe(3);
    conn.send(ok(1));
    conn.send(fail(2, 'FORBIDDEN'));
    conn.send(ok(3));
    conn.send(ok(99)); // answers nothing tracked: sent, not counted
    expect(calls).toEqual([
      ['started', 'client_to_server'],
      ['completed', 'client_to_server', 'ok'],
      ['error', 'join', 'FORBIDDEN'],
      ['operation', 'join'],
      ['operation', 'publish'],
    ]);
    expect(tracker.pending(conn)).toBe(0);
  });

  it('counts a request abandoned by a close as disconnected, once', () => {
    const { calls, metrics } = recorder();
    const tracker = new InboundRequests({ metrics });
    const { conn } = connection(tracker);
    tracker.received(conn, { t: 'request', id: 1, name: 'hang' });
    tracker.received(conn, { t: 'presence-get', id: 2, room: 'a' });
    tracker.closed(conn);
    tracker.closed(conn);
    expect(calls).toEqual([
      ['started', 'client_to_server'],
      ['completed', 'client_to_server', 'disconnected'],
    ]);
  });

  it('with a timeout, answers TIMEOUT at the deadline and drops the late reply', () => {
    const { calls, metrics } = recorder();
    const tracker = new InboundRequests({ metrics, timeoutMs: 1000 });
    const { conn, sent } = connection(tracker);
    tracker.received(conn, { t: 'request', id: 7, name: 'slow' });
    tracker.received(conn, { t: 'request', id: 8, name: 'fast' });
    conn.send(ok(8));
    vi.advanceTimersByTime(999);
    expect(sent.map((r) => r.id)).toEqual([8]);
    vi.advanceTimersByTime(1);
    expect(sent[1]).toMatchObject({ id: 7, ok: false, error: { code: 'TIMEOUT' } });
    expect(conn.send(ok(7))).toBe(false);
    expect(sent).toHaveLength(2);
    // A new request may reuse the id once the late reply is gone.
    tracker.received(conn, { t: 'request', id: 7, name: 'again' });
    expect(conn.send(ok(7))).toBe(true);
    expect(calls).toEqual([
      ['started', 'client_to_server'],
      ['started', 'client_to_server'],
      ['completed', 'client_to_server', 'ok'],
      ['error', 'request', 'TIMEOUT'],
      ['completed', 'client_to_server', 'timeout'],
      ['started', 'client_to_server'],
      ['completed', 'client_to_server', 'ok'],
    ]);
    // Closing after the timeout does not count the request a second time.
    tracker.received(conn, { t: 'request', id: 9, name: 'slow' });
    vi.advanceTimersByTime(1000);
    tracker.closed(conn);
    expect(calls.filter((c) => c[2] === 'disconnected')).toEqual([]);
  });

  it('never times out joins or other calls, only request handlers', () => {
    const { calls, metrics } = recorder();
    const tracker = new InboundRequests({ metrics, timeoutMs: 10 });
    const { conn, sent } = connection(tracker);
    tracker.received(conn, { t: 'join', id: 1, room: 'a' });
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([]);
    conn.send(ok(1));
    expect(calls).toEqual([['operation', 'join']]);
  });

  it('a timeout that finds the connection closed leaves the request to the close', () => {
    const { calls, metrics } = recorder();
    const tracker = new InboundRequests({ metrics, timeoutMs: 10 });
    const conn: Replier = { send: () => false };
    tracker.received(conn, { t: 'request', id: 1, name: 'slow' });
    vi.advanceTimersByTime(10);
    tracker.closed(conn);
    expect(calls).toEqual([
      ['started', 'client_to_server'],
      ['completed', 'client_to_server', 'disconnected'],
    ]);
  });

  it('keeps nothing for a connection once its requests are answered, late TIMEOUT replies included', () => {
    const tracker = new InboundRequests({ metrics: recorder().metrics, timeoutMs: 100 });
    const a = connection(tracker);
    const b = connection(tracker);
    tracker.received(a.conn, { t: 'join', id: 1, room: 'r' });
    tracker.received(a.conn, { t: 'request', id: 2, name: 'slow' });
    tracker.received(b.conn, { t: 'request', id: 1, name: 'echo' });
    expect(tracker.trackedConnections).toBe(2);
    a.conn.send(ok(1));
    b.conn.send(ok(1));
    expect(tracker.trackedConnections).toBe(1);
    vi.advanceTimersByTime(100); // a's request 2 is answered TIMEOUT; its late reply is still expected
    expect(a.sent.map((r) => r.ok)).toEqual([true, false]);
    expect(tracker.trackedConnections).toBe(1);
    expect(a.conn.send(ok(2))).toBe(false);
    expect(tracker.trackedConnections).toBe(0);
    // Tracked again from scratch on the next request, and forgotten at close.
    tracker.received(a.conn, { t: 'request', id: 3, name: 'echo' });
    expect(tracker.pending(a.conn)).toBe(1);
    tracker.closed(a.conn);
    expect(tracker.trackedConnections).toBe(0);
  });
});
