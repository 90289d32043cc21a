import { pino, type Logger } from 'pino';

/** The server's logger: pino, JSON lines. Inject your own with `createServer({ logger })`. */
export type { Logger };

/**
 * Creates the default logger (JSON lines on stdout). Tokens, `?token=` values and message
 * contents are never passed to it.
 * @param level minimum level to write
 */
export function createLogger(level: ServerLogLevel = 'info'): Logger {
  return pino({ name: 'switchyard', level });
}

/** Levels accepted by {@link createLogger}. */
export type ServerLogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
