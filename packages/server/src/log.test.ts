import { describe, expect, it } from 'vitest';
import { createLogger, logsAt, type Logger } from './log.js';

describe('logsAt', () => {
  it('follows the level of a pino logger', () => {
    expect(logsAt(createLogger('silent'), 'info')).toBe(false);
    expect(logsAt(createLogger('silent'), 'fatal')).toBe(false);
    const info = createLogger('info');
    expect(logsAt(info, 'info')).toBe(true);
    expect(logsAt(info, 'error')).toBe(true);
    expect(logsAt(info, 'debug')).toBe(false);
  });

  it('assumes a logger that cannot tell writes every level', () => {
    const noop = (): void => {};
    const plain: Logger = { fatal: noop, error: noop, warn: noop, info: noop, debug: noop, trace: noop };
    expect(logsAt(plain, 'trace')).toBe(true);
  });
});
