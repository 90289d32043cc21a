import type { ErrorCode } from '@switchyard/protocol';

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

  constructor(status: number, code: ErrorCode, message: string, headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}
