import { ErrorCode } from '@switchyard/protocol';
import { HttpApiError } from './http-error.js';

/** Path prefix of the backend HTTP API. */
export const API_PREFIX = '/v1/';

/** A recognised API call. */
export type ApiRoute =
  | { readonly kind: 'publish' }
  | { readonly kind: 'disconnect'; readonly userId: string }
  | { readonly kind: 'presence'; readonly room: string }
  | { readonly kind: 'history'; readonly room: string }
  | { readonly kind: 'rooms' };

function segment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpApiError(400, ErrorCode.BAD_REQUEST, 'path contains invalid percent-encoding');
  }
}

function notFound(path: string): HttpApiError {
  return new HttpApiError(404, ErrorCode.NOT_FOUND, `no API route ${path}`);
}

function methodNotAllowed(allow: string): HttpApiError {
  return new HttpApiError(405, ErrorCode.BAD_REQUEST, `method not allowed; use ${allow}`, { allow });
}

/**
 * Matches `method` and `path` (without the query string) to an API call.
 * Path parameters are percent-decoded, so a room named `org/42` is written `org%2F42`.
 * @throws HttpApiError 404 for unknown paths, 405 for a known path with the wrong method, 400 for bad encoding.
 */
export function matchRoute(method: string, path: string): ApiRoute {
  const m = method.toUpperCase();
  const want = (allow: 'GET' | 'POST'): void => {
    if (m !== allow) throw methodNotAllowed(allow);
  };
  if (path === '/v1/publish') {
    want('POST');
    return { kind: 'publish' };
  }
  if (path === '/v1/rooms') {
    want('GET');
    return { kind: 'rooms' };
  }
  const user = /^\/v1\/users\/([^/]+)\/disconnect$/.exec(path);
  if (user?.[1] !== undefined) {
    want('POST');
    return { kind: 'disconnect', userId: segment(user[1]) };
  }
  const history = /^\/v1\/rooms\/(.+)\/history$/.exec(path);
  if (history?.[1] !== undefined) {
    want('GET');
    return { kind: 'history', room: segment(history[1]) };
  }
  const presence = /^\/v1\/rooms\/(.+)\/presence$/.exec(path);
  if (presence?.[1] !== undefined) {
    want('GET');
    return { kind: 'presence', room: segment(presence[1]) };
  }
  throw notFound(path);
}
