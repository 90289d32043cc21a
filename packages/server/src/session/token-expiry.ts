import { NoticeCode, type NoticeEnvelope } from '@switchyard/protocol';

/** How long before `exp` a connection is told to refresh its token, ms. */
export const EXPIRY_NOTICE_LEAD_MS = 30_000;

/** The `TOKEN_EXPIRING` notice: the same for every connection. */
export const TOKEN_EXPIRING_NOTICE: NoticeEnvelope = Object.freeze({
  t: 'notice',
  code: NoticeCode.TOKEN_EXPIRING,
  message: 'refresh the token in band',
});

/** The first expiry deadline of a token: the notice when there is time for it, else the close. */
export interface ExpiryPlan {
  /** True: the deadline sends the notice; false: the notice is due now and the deadline closes. */
  readonly noticeAhead: boolean;
  /** When the deadline falls, ms since the epoch. */
  readonly at: number;
}

/**
 * Plans a token's expiry: a notice {@link EXPIRY_NOTICE_LEAD_MS} ahead of `expiresAt`, then the
 * close `graceMs` after it. A token with less than the lead time left is told at once.
 */
export function planExpiry(expiresAt: number, graceMs: number, now: number): ExpiryPlan {
  const noticeAt = expiresAt - EXPIRY_NOTICE_LEAD_MS;
  return noticeAt > now ? { noticeAhead: true, at: noticeAt } : { noticeAhead: false, at: expiresAt + graceMs };
}
