import { pino, type BaseLogger } from 'pino';

/**
 * What the server logs through: a pino logger (or anything with pino's level methods, called as
 * `logger.info(fields, message)`). Inject your own with `createServer({ logger })`.
 */
export type Logger = Pick<BaseLogger, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'>;

/** Levels accepted by {@link createLogger}. */
export type ServerLogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * Creates the default logger: pino, JSON lines on stdout. Tokens, `?token=` values and message
 * contents are never passed to it.
 * @param level minimum level to write
 */
export function createLogger(level: ServerLogLevel = 'info'): Logger {
  return pino({ name: 'switchyard', level });
}
