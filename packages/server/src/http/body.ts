import { ErrorCode } from '@switchyard/protocol';
import { HttpApiError } from './http-error.js';

/** The 413 error for a body over `maxBytes`. */
export function tooLarge(maxBytes: number): HttpApiError {
  return new HttpApiError(
    413,
    ErrorCode.PAYLOAD_TOO_LARGE,
    `request body is larger than ${maxBytes} bytes`,
    {},
    'http_body',
  );
}
