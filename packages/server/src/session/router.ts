import { ErrorCode, RpcError, isErrorCode, type ReplyError } from '@switchyard/protocol';

/** Validates untrusted input: returns the typed value or throws. Zod's `schema.parse` fits. */
export type Parser<T> = (input: unknown) => T;

/** Options of `onRequest` / `onEvent`. */
export interface HandlerOptions<T> {
  /** Parser for the payload; a throw answers `BAD_REQUEST` (requests) or drops the event with a log line. */
  parse?: Parser<T>;
}

/** Handles one request: the return value is the reply data. */
export type RequestHandler<Ctx, In, Out> = (ctx: Ctx, data: In) => Out | Promise<Out>;
/** Handles one event. */
export type EventHandler<Ctx, In> = (ctx: Ctx, data: In) => void | Promise<void>;

/** The result of dispatching a request. */
export type RequestResult =
  { readonly ok: true; readonly data: unknown } | { readonly ok: false; readonly error: ReplyError };

/** Where the router reports handler failures. */
export interface RouterReporter {
  /** A handler threw something that is not an RpcError (logged, never sent). */
  handlerFailed(kind: 'request' | 'event', name: string, error: unknown): void;
  /** An event payload failed its parser. */
  eventRejected(name: string, error: unknown): void;
}

interface Entry<Ctx> {
  readonly handler: (ctx: Ctx, data: unknown) => unknown;
  readonly parse: Parser<unknown> | undefined;
}

const MAX_PARSE_MESSAGE = 200;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function parseFailure(name: string, error: unknown): ReplyError {
  const detail = error instanceof Error ? `: ${error.message.slice(0, MAX_PARSE_MESSAGE)}` : '';
  return { code: ErrorCode.BAD_REQUEST, message: `invalid payload for '${name}'${detail}` };
}

/**
 * Request and event handlers by name. Lookups use a Map, so names such as `__proto__` or
 * `toString` are ordinary unknown names.
 */
export class Router<Ctx> {
  readonly #requests = new Map<string, Entry<Ctx>>();
  readonly #events = new Map<string, Entry<Ctx>>();
  readonly #reporter: RouterReporter;

  constructor(reporter: RouterReporter) {
    this.#reporter = reporter;
  }

  /** Registers a request handler. @throws Error when `name` already has one. */
  onRequest(name: string, handler: (ctx: Ctx, data: unknown) => unknown, parse?: Parser<unknown>): void {
    if (this.#requests.has(name)) throw new Error(`a request handler for '${name}' is already registered`);
    this.#requests.set(name, { handler, parse });
  }

  /** Registers an event handler. @throws Error when `name` already has one. */
  onEvent(name: string, handler: (ctx: Ctx, data: unknown) => unknown, parse?: Parser<unknown>): void {
    if (this.#events.has(name)) throw new Error(`an event handler for '${name}' is already registered`);
    this.#events.set(name, { handler, parse });
  }

  /**
   * Runs the request handler for `name`; never throws or rejects. The result is synchronous when
   * the handler is: a promise is only created for a handler that returns a thenable.
   */
  request(ctx: Ctx, name: string, data: unknown): RequestResult | Promise<RequestResult> {
    const entry = this.#requests.get(name);
    if (!entry) return { ok: false, error: { code: ErrorCode.NOT_FOUND, message: `no handler for request '${name}'` } };
    let input = data;
    if (entry.parse) {
      try {
        input = entry.parse(data);
      } catch (error) {
        return { ok: false, error: parseFailure(name, error) };
      }
    }
    let output: unknown;
    try {
      output = entry.handler(ctx, input);
    } catch (error) {
      return this.#failure(name, error);
    }
    if (!isThenable(output)) return { ok: true, data: output };
    // Promise.resolve adopts foreign thenables the way `await` did.
    return Promise.resolve(output).then(
      (value): RequestResult => ({ ok: true, data: value }),
      (error: unknown) => this.#failure(name, error),
    );
  }

  #failure(name: string, error: unknown): RequestResult {
    // A code outside the protocol's list would make the client's validator close the connection.
    if (error instanceof RpcError && isErrorCode(error.code))
      return { ok: false, error: { code: error.code, message: error.message } };
    this.#reporter.handlerFailed('request', name, error);
    return { ok: false, error: { code: ErrorCode.INTERNAL, message: 'internal error' } };
  }

  /** Runs the event handler for `name`; false when there is none. Never throws. */
  event(ctx: Ctx, name: string, data: unknown): boolean {
    const entry = this.#events.get(name);
    if (!entry) return false;
    let input = data;
    if (entry.parse) {
      try {
        input = entry.parse(data);
      } catch (error) {
        this.#reporter.eventRejected(name, error);
        return true;
      }
    }
    try {
      const result = entry.handler(ctx, input);
      if (result instanceof Promise)
        result.catch((error: unknown) => this.#reporter.handlerFailed('event', name, error));
    } catch (error) {
      this.#reporter.handlerFailed('event', name, error);
    }
    return true;
  }
}
