import { describe, expect, it } from 'vitest';
import { transportCloseReason } from './close-reason.js';

describe('transportCloseReason', () => {
  it('recognises the transport closing an oversize frame and an idle socket', () => {
    expect(transportCloseReason(1006, 'Received too big message')).toBe('payload_too_large');
    expect(transportCloseReason(1006, 'WebSocket timed out from inactivity')).toBe('idle_timeout');
    expect(transportCloseReason(1006, 'Received invalid UTF-8')).toBe('protocol_error');
  });
  it('leaves every other close alone', () => {
    expect(transportCloseReason(1006, '')).toBeUndefined();
    expect(transportCloseReason(1000, 'Received too big message')).toBeUndefined();
    expect(transportCloseReason(4000, 'timed out from inactivity')).toBeUndefined();
  });
});
