import { CloseCode, ErrorCode } from '@switchyard/protocol';
import { describe, expect, it } from 'vitest';
import { RATE_LIMITED_CLOSE, RATE_LIMITED_ERROR, RateLimiter } from './rate-limit-policy.js';

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('RateLimiter', () => {
  it('uses the protocol codes', () => {
    expect(RATE_LIMITED_ERROR).toBe(ErrorCode.RATE_LIMITED);
    expect(RATE_LIMITED_CLOSE).toBe(CloseCode.RATE_LIMITED);
    expect(RATE_LIMITED_CLOSE).toBe(4200);
  });

  it('allows the burst, rejects above it, closes after N violations inside the window', () => {
    const c = clock();
    const rl = new RateLimiter({
      messagesPerSecond: 10,
      messageBurst: 5,
      maxViolations: 3,
      violationWindowMs: 1000,
      now: c.now,
    });
    for (let i = 0; i < 5; i++) expect(rl.check()).toBe('allow');
    expect(rl.check()).toBe('reject');
    expect(rl.check()).toBe('reject');
    expect(rl.check()).toBe('close');
  });

  it('does not close when violations are spread wider than the window', () => {
    const c = clock();
    const rl = new RateLimiter({
      messagesPerSecond: 1,
      messageBurst: 1,
      maxViolations: 3,
      violationWindowMs: 1000,
      now: c.now,
    });
    // One violation per second: any 3 consecutive violations span 2 s, wider than the window.
    const decisions: string[] = [];
    for (let i = 0; i < 10; i++) {
      decisions.push(rl.check()); // the refilled token
      decisions.push(rl.check()); // one over
      c.advance(1000);
    }
    expect(decisions).not.toContain('close');
    expect(decisions).toContain('reject');
  });

  it('a well-behaved client at the sustained rate is never rejected', () => {
    const c = clock();
    const rl = new RateLimiter({
      messagesPerSecond: 100,
      messageBurst: 1,
      maxViolations: 1,
      violationWindowMs: 60_000,
      now: c.now,
    });
    for (let i = 0; i < 5000; i++) {
      expect(rl.check()).toBe('allow');
      c.advance(10);
    }
  });

  it('rate 0 disables the limit', () => {
    const rl = new RateLimiter({
      messagesPerSecond: 0,
      messageBurst: 0,
      maxViolations: 1,
      violationWindowMs: 1000,
      now: () => 0,
    });
    for (let i = 0; i < 10_000; i++) expect(rl.check()).toBe('allow');
  });

  it('a single-violation budget closes on the first violation', () => {
    const rl = new RateLimiter({
      messagesPerSecond: 1,
      messageBurst: 1,
      maxViolations: 1,
      violationWindowMs: 1000,
      now: () => 0,
    });
    expect(rl.check()).toBe('allow');
    expect(rl.check()).toBe('close');
  });

  it('counts recent violations so the first after a calm period can be logged once', () => {
    const c = clock();
    const rl = new RateLimiter({
      messagesPerSecond: 1,
      messageBurst: 1,
      maxViolations: 5,
      violationWindowMs: 1000,
      now: c.now,
    });
    expect(rl.recentViolations()).toBe(0);
    rl.check();
    rl.check();
    expect(rl.recentViolations()).toBe(1);
    rl.check();
    expect(rl.recentViolations()).toBe(2);
    c.advance(5000);
    expect(rl.recentViolations()).toBe(0);
    rl.check(); // refilled token
    rl.check();
    expect(rl.recentViolations()).toBe(1);
  });
});
