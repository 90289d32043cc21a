import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { WriteBatch } from './ws-write-batch.js';

/** A stream that records each call to the underlying write: one entry per `write` or `writev`. */
function recorder(): { stream: Writable; calls: number[] } {
  const calls: number[] = [];
  const stream = new Writable({
    write(_chunk, _enc, cb) {
      calls.push(1);
      cb();
    },
    writev(chunks, cb) {
      calls.push(chunks.length);
      cb();
    },
  });
  return { stream, calls };
}

describe('WriteBatch', () => {
  it("lets one turn's writes to a socket leave in one writev on the next tick", async () => {
    const batch = new WriteBatch();
    const { stream, calls } = recorder();
    for (let i = 0; i < 5; i++) {
      batch.hold(stream);
      stream.write(Buffer.from([i]));
    }
    expect(calls).toEqual([]);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(calls).toEqual([5]);
    expect(stream.writableCorked).toBe(0);
  });

  it('release writes what a socket holds at once, before it closes', () => {
    const batch = new WriteBatch();
    const { stream, calls } = recorder();
    batch.hold(stream);
    stream.write(Buffer.from('a'));
    stream.write(Buffer.from('b'));
    batch.release(stream);
    expect(calls).toEqual([2]);
    batch.release(stream); // a second release does not uncork twice
    expect(stream.writableCorked).toBe(0);
  });
});
