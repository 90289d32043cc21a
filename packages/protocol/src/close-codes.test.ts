import { describe, expect, it } from 'vitest';
import {
  CloseCode,
  closeClass,
  isTerminalClose,
  shouldReauthenticate,
  shouldReconnect,
  shouldReconnectSlowly,
} from './close-codes.js';

describe('close code ranges', () => {
  it('classifies range edges', () => {
    const cases: Array<[number, ReturnType<typeof closeClass>]> = [
      [1000, 'normal'],
      [1001, 'reconnect'],
      [1006, 'reconnect'],
      [1011, 'reconnect'],
      [1012, 'reconnect'],
      [3999, 'reconnect'],
      [4000, 'terminal'],
      [4099, 'terminal'],
      [4100, 'reauthenticate'],
      [4199, 'reauthenticate'],
      [4200, 'slow'],
      [4299, 'slow'],
      [4300, 'reconnect'],
    ];
    for (const [code, expected] of cases) expect([code, closeClass(code)]).toEqual([code, expected]);
  });

  it('has predicates that agree with closeClass for every code', () => {
    for (let code = 1000; code < 5000; code++) {
      const cls = closeClass(code);
      expect(isTerminalClose(code)).toBe(cls === 'terminal');
      expect(shouldReauthenticate(code)).toBe(cls === 'reauthenticate');
      expect(shouldReconnectSlowly(code)).toBe(cls === 'slow');
      expect(shouldReconnect(code)).toBe(cls !== 'normal' && cls !== 'terminal');
    }
  });

  it('puts every named code in the class its documentation promises', () => {
    expect(Object.entries(CloseCode).map(([name, code]) => [name, closeClass(code)])).toEqual([
      ['NORMAL', 'normal'],
      ['GOING_AWAY', 'reconnect'],
      ['ABNORMAL', 'reconnect'],
      ['INTERNAL_ERROR', 'reconnect'],
      ['PROTOCOL_ERROR', 'terminal'],
      ['UNSUPPORTED_FRAME', 'terminal'],
      ['KICKED', 'terminal'],
      ['FORBIDDEN', 'terminal'],
      ['MESSAGE_TOO_LARGE', 'terminal'],
      ['TOKEN_EXPIRED', 'reauthenticate'],
      ['TOKEN_INVALID', 'reauthenticate'],
      ['RATE_LIMITED', 'slow'],
      ['SLOW_CONSUMER', 'slow'],
      ['TRY_AGAIN_LATER', 'slow'],
      ['IDLE_TIMEOUT', 'slow'],
    ]);
  });
});
