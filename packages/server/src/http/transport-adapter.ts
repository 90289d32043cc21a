import type { ClientIpResolver } from '../protection/client-ip.js';
import type { ApiRequest, TransportApi } from '../transport/types.js';
import { HttpApi, type ApiRequestHead } from './http-api.js';
import { API_PREFIX } from './routes.js';

/** Adapts {@link HttpApi} to the transport's `TransportApi` seam, resolving the client IP for logs. */
export function createTransportApi(api: HttpApi, clientIp: ClientIpResolver): TransportApi {
  const head = (req: ApiRequest): ApiRequestHead => ({
    method: req.method,
    path: req.path,
    query: req.query,
    authorization: req.authorization === '' ? undefined : req.authorization,
    contentLength: req.contentLength === '' ? undefined : req.contentLength,
    ip: clientIp.resolve(req.remoteAddress, req.forwardedFor === '' ? undefined : req.forwardedFor),
  });
  return {
    prefix: API_PREFIX,
    maxBodyBytes: api.maxBodyBytes,
    head: (req) => api.head(head(req)),
    handle: (req, body) => api.handle(head(req), body),
    tooLarge: (req) => api.bodyTooLarge(head(req)),
  };
}
