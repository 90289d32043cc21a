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

/** A level {@link logsAt} can be asked about. */
export type LogLevel = Exclude<ServerLogLevel, 'silent'>;

/**
 * Whether `logger` writes `level`, so hot paths (every upgrade, open and close) skip building a
 * log object that a silent logger would drop. A logger without pino's `isLevelEnabled` is
 * assumed to write everything.
 */
export function logsAt(logger: Logger, level: LogLevel): boolean {
  const isLevelEnabled = (logger as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled;
  return typeof isLevelEnabled === 'function' ? isLevelEnabled.call(logger, level) : true;
}
