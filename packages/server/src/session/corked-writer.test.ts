import { describe, expect, it } from 'vitest';
import { CorkedWriter } from './corked-writer.js';
import { FakeSocket } from '../test-support/fake-transport.js';
import type { OutgoingFrame, SendResult } from '../transport/types.js';

describe('CorkedWriter', () => {
  it('sends inside cork and returns the send result', () => {
    const writer = new CorkedWriter();
    const socket = new FakeSocket();
    socket.sendResult = 'backpressure';
    expect(writer.send(socket, 'a', false)).toBe('backpressure');
    expect(socket.sent).toEqual(['a']);
    expect(socket.corkedSends).toBe(1);
    expect(socket.uncorkedSends).toBe(0);
  });

  it("reports 'closed' for a socket that never ran the cork callback, not the previous result", () => {
    const writer = new CorkedWriter();
    expect(writer.send(new FakeSocket(), 'a', false)).toBe('ok');
    const socket = new FakeSocket();
    socket.cork = () => {};
    expect(writer.send(socket, 'a', false)).toBe('closed');
  });

  it('keeps each result apart when a send reenters the writer', () => {
    const writer = new CorkedWriter();
    const other = new FakeSocket();
    other.sendResult = 'dropped';
    let inner: SendResult | undefined;
    // As a native send that fires a close callback, which sends on another socket.
    class Reentrant extends FakeSocket {
      override send(frame: OutgoingFrame): SendResult {
        inner = writer.send(other, 'inner', false);
        return super.send(frame);
      }
    }
    const socket = new Reentrant();
    expect(writer.send(socket, 'outer', true)).toBe('ok');
    expect(inner).toBe('dropped');
    expect(socket.sent).toEqual(['outer']);
    expect(other.sent).toEqual(['inner']);
  });
});
