import type { ErrorCode } from '@switchyard/protocol';
import type { LimitKind } from '../metrics/metrics.js';

/**
 * A refused HTTP API call: `status` is the HTTP status, `code` a protocol {@link ErrorCode}, and
 * the body is `{ "error": { "code", "message" } }`.
 */
export class HttpApiError extends Error {
  override readonly name = 'HttpApiError';
  /** HTTP status, 4xx. */
  readonly status: number;
  /** Protocol error code. */
  readonly code: ErrorCode;
  /** Extra response headers, for example `allow` on 405. */
  readonly headers: Readonly<Record<string, string>>;
  /** The limit that refused the call, for `switchyard_limit_rejections_total`. */
  readonly limit: LimitKind | undefined;

  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    headers: Readonly<Record<string, string>> = {},
    limit?: LimitKind,
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
    this.limit = limit;
  }
}
