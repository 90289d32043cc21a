import { describe, expect, it } from 'vitest';
import { BufferBudget } from './buffer-budget.js';

function budget(maxBytes: number) {
  const buffers = new Map<string, number>();
  const shed: string[] = [];
  const b = new BufferBudget<string>({
    maxBytes,
    read: (conn) => buffers.get(conn) ?? 0,
    shed: (conn) => {
      shed.push(conn);
      buffers.delete(conn);
    },
  });
  const fill = (conn: string, bytes: number) => {
    buffers.set(conn, bytes);
    b.record(conn, bytes);
  };
  return { b, buffers, shed, fill };
}

describe('BufferBudget', () => {
  it('keeps the total of the last readings and forgets empty and closed buffers', () => {
    const { b, fill } = budget(1000);
    fill('a', 300);
    fill('b', 200);
    fill('a', 100);
    expect(b.total).toBe(300);
    fill('b', 0);
    expect(b.total).toBe(100);
    b.forget('a');
    expect(b.total).toBe(0);
  });

  it('past the cap, closes the furthest behind first until the total is under it', () => {
    const { b, shed, fill } = budget(1000);
    fill('a', 300);
    fill('b', 500);
    fill('c', 150);
    expect(shed).toEqual([]);
    fill('d', 200); // 1150: b alone brings it back to 650
    expect(shed).toEqual(['b']);
    expect(b.total).toBe(650);
  });

  it('reads the buffers again before closing anyone: a stale reading does not cost a connection', () => {
    const { b, buffers, shed, fill } = budget(1000);
    fill('a', 900);
    buffers.set('a', 100); // drained since it was read, without a drain reported
    fill('b', 400);
    expect(shed).toEqual([]);
    expect(b.total).toBe(500);
  });

  it('closes several when one is not enough; 0 means no cap', () => {
    const capped = budget(1000);
    for (const [conn, bytes] of [
      ['a', 400],
      ['b', 450],
      ['c', 380],
    ] as const)
      capped.fill(conn, bytes);
    capped.fill('d', 390); // 1620: b (450), then a (400) -> 770
    expect(capped.shed).toEqual(['b', 'a']);
    const open = budget(0);
    open.fill('a', 1e9);
    expect(open.shed).toEqual([]);
  });
});
