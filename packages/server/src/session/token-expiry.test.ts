import { describe, expect, it } from 'vitest';
import { EXPIRY_NOTICE_LEAD_MS, planExpiry } from './token-expiry.js';

describe('planExpiry', () => {
  it('sends the notice ahead of exp when there is time for it', () => {
    expect(planExpiry(100_000, 5_000, 0)).toEqual({ noticeAhead: true, at: 100_000 - EXPIRY_NOTICE_LEAD_MS });
  });

  it('closes after the grace period when the notice is already due', () => {
    expect(planExpiry(100_000, 5_000, 100_000 - EXPIRY_NOTICE_LEAD_MS)).toEqual({ noticeAhead: false, at: 105_000 });
  });
});
