import { ErrorCode } from '@switchyard/protocol';
import type { HttpApiRoute, ServerMetrics } from '../metrics/metrics.js';
import type { RoomRules } from '../protection/room-rules.js';
import { ApiKeyCheck } from './api-key.js';
import { tooLarge } from './body.js';
import type { HttpApiFacade } from './facade.js';
import { HttpApiError } from './http-error.js';
import { API_PREFIX, matchRoute, type ApiRoute } from './routes.js';
import { parseDisconnect, parseHistoryQuery, parseJsonBody, parsePublish } from './validate.js';

/** What the transport copies out of a request before any body arrives. */
export interface ApiRequestHead {
  /** HTTP method, any case. */
  readonly method: string;
  /** URL path without the query string. */
  readonly path: string;
  /** The raw query string, without `?` ('' or absent: none). */
  readonly query?: string | undefined;
  /** The raw `Authorization` header. Never logged. */
  readonly authorization?: string | undefined;
  /** The raw `Content-Length` header, when present. */
  readonly contentLength?: string | undefined;
  /** Client IP, for logs. */
  readonly ip?: string | undefined;
}

/** A response for the transport to write. */
export interface ApiResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The logging the API does (a pino logger fits). */
export interface ApiLog {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Settings of {@link HttpApi}. */
export interface HttpApiSettings {
  /** The API key; unset or empty: the API is off and every `/v1/*` path answers 404. */
  readonly apiKey?: string | undefined;
  /** Largest accepted request body, bytes. @default 1048576 */
  readonly maxBodyBytes?: number;
  /** Room name rules shared with the WebSocket side. */
  readonly roomRules: RoomRules;
  readonly facade: HttpApiFacade;
  readonly log?: ApiLog;
  /** Counts calls, refusals by a limit and API-key failures. */
  readonly metrics?: Pick<ServerMetrics, 'limitRejected' | 'httpRequest' | 'apiKeyFailed'>;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } as const;

/** Default `maxBodyBytes`: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

/**
 * The backend HTTP API without any server code: `POST /v1/publish`, `POST /v1/users/:id/disconnect`,
 * `GET /v1/rooms/:room/presence`, `GET /v1/rooms` (docs/http-api.md).
 *
 * The transport calls {@link HttpApi.head} as soon as the request line and headers are known —
 * it answers 404 (API off), 401, 404/405 (route) and 413 (declared length) without reading a
 * byte of body — then collects the body (the transport's `BodyCollector(maxBodyBytes)`) and calls
 * {@link HttpApi.handle}. Every refusal is JSON `{ "error": { "code", "message" } }`.
 */
export class HttpApi {
  readonly #key: ApiKeyCheck | undefined;
  readonly #maxBody: number;
  readonly #rules: RoomRules;
  readonly #facade: HttpApiFacade;
  readonly #log: ApiLog | undefined;
  readonly #metrics: HttpApiSettings['metrics'];

  constructor(settings: HttpApiSettings) {
    this.#key = settings.apiKey ? new ApiKeyCheck(settings.apiKey) : undefined;
    this.#maxBody = settings.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.#rules = settings.roomRules;
    this.#facade = settings.facade;
    this.#log = settings.log;
    this.#metrics = settings.metrics;
  }

  /** True when an API key is configured. */
  get enabled(): boolean {
    return this.#key !== undefined;
  }

  /** Largest accepted body, bytes. */
  get maxBodyBytes(): number {
    return this.#maxBody;
  }

  /** True for paths this API answers (everything under `/v1/`). */
  static owns(path: string): boolean {
    return path.startsWith(API_PREFIX);
  }

  /** Checks a request before its body is read; a response means: send it and read no body. */
  head(head: ApiRequestHead): ApiResponse | undefined {
    const started = performance.now();
    try {
      this.#route(head);
      return undefined;
    } catch (error) {
      return this.#counted(head, started, this.#failure(error, head));
    }
  }

  /** The 413 answer for a body that passed the limit while it streamed in (logged and counted). */
  bodyTooLarge(head: ApiRequestHead): ApiResponse {
    return this.#counted(head, performance.now(), this.#failure(tooLarge(this.#maxBody), head));
  }

  /** Answers a request whose body has been collected. */
  async handle(head: ApiRequestHead, body: Uint8Array): Promise<ApiResponse> {
    const started = performance.now();
    let response: ApiResponse;
    try {
      const route = this.#route(head);
      if (body.byteLength > this.#maxBody) throw tooLarge(this.#maxBody);
      response = ok(await this.#dispatch(route, body, head.query ?? ''));
    } catch (error) {
      response = this.#failure(error, head);
    }
    return this.#counted(head, started, response);
  }

  #counted(head: ApiRequestHead, started: number, response: ApiResponse): ApiResponse {
    this.#metrics?.httpRequest(routeLabel(head), response.status, (performance.now() - started) / 1000);
    return response;
  }

  #route(head: ApiRequestHead): ApiRoute {
    if (this.#key === undefined)
      throw new HttpApiError(404, ErrorCode.NOT_FOUND, 'the HTTP API is disabled: no API key is configured');
    if (!this.#key.verify(head.authorization)) {
      this.#metrics?.apiKeyFailed();
      this.#log?.warn(
        { event: 'api_auth_failed', ip: head.ip, method: head.method, path: head.path },
        'http api: authentication failed',
      );
      throw new HttpApiError(401, ErrorCode.UNAUTHORIZED, 'missing or wrong API key (Authorization: Bearer <key>)', {
        'www-authenticate': 'Bearer',
      });
    }
    const route = matchRoute(head.method, head.path);
    const declared = head.contentLength === undefined ? undefined : Number(head.contentLength);
    if (declared !== undefined && Number.isFinite(declared) && declared > this.#maxBody) throw tooLarge(this.#maxBody);
    return route;
  }

  async #dispatch(route: ApiRoute, body: Uint8Array, query: string): Promise<unknown> {
    switch (route.kind) {
      case 'publish': {
        const p = parsePublish(parseJsonBody(body), this.#rules);
        const receipt = await this.#facade.publish(p.room, p.event, p.data, p.key === undefined ? {} : { key: p.key });
        return typeof receipt === 'number' ? { recipients: receipt } : receipt;
      }
      case 'history': {
        const bad = this.#rules.checkName(route.room);
        if (bad !== undefined) throw new HttpApiError(400, ErrorCode.BAD_REQUEST, bad.message, {}, 'room_name');
        const page = await this.#facade.history?.(route.room, parseHistoryQuery(query));
        if (page === undefined) {
          throw new HttpApiError(
            404,
            ErrorCode.NOT_FOUND,
            `room '${route.room}' keeps no history (no room policy with history matches it)`,
          );
        }
        return page;
      }
      case 'disconnect': {
        const { code } = parseDisconnect(parseJsonBody(body));
        const disconnected = await this.#facade.disconnectUser(route.userId, code);
        return { disconnected };
      }
      case 'presence': {
        const bad = this.#rules.checkName(route.room);
        if (bad !== undefined) throw new HttpApiError(400, ErrorCode.BAD_REQUEST, bad.message, {}, 'room_name');
        return await this.#facade.presence(route.room);
      }
      case 'rooms':
        return { rooms: await this.#facade.rooms() };
    }
  }

  #failure(error: unknown, head: ApiRequestHead): ApiResponse {
    if (error instanceof HttpApiError) {
      if (error.limit !== undefined) this.#metrics?.limitRejected(error.limit);
      if (error.status === 413)
        this.#log?.warn(
          { event: 'limit_exceeded', limit: 'http_body', ip: head.ip, path: head.path },
          'http api: body too large',
        );
      return {
        status: error.status,
        headers: { ...JSON_HEADERS, ...error.headers },
        body: JSON.stringify({ error: { code: error.code, message: error.message } }),
      };
    }
    // The facade failed: log it, never leak its message.
    this.#log?.error({ err: error, method: head.method, path: head.path }, 'http api: internal error');
    return {
      status: 500,
      headers: JSON_HEADERS,
      body: JSON.stringify({ error: { code: ErrorCode.INTERNAL, message: 'internal error' } }),
    };
  }
}

/** The route label of a request: its API call, or `other` for paths and methods no call answers. */
function routeLabel(head: ApiRequestHead): HttpApiRoute {
  try {
    return matchRoute(head.method, head.path).kind;
  } catch {
    return 'other';
  }
}

function ok(data: unknown): ApiResponse {
  return { status: 200, headers: JSON_HEADERS, body: JSON.stringify(data) };
}
