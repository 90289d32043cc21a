import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { BodyCollector } from './body-collector.js';
import type { ApiReply, ApiRequest, TransportApi } from './types.js';
import { endResponse, isHead, listHeader } from './uws-request.js';

/** Copies what the API reads from the request, synchronously (rule 1 of uws.ts). */
function copyApiRequest(req: HttpRequest, res: HttpResponse, proxyHeader: string): ApiRequest {
  return {
    method: req.getMethod(),
    path: req.getUrl(),
    query: req.getQuery() ?? '',
    authorization: req.getHeader('authorization'),
    contentLength: req.getHeader('content-length'),
    remoteAddress: Buffer.from(res.getRemoteAddressAsText()).toString(),
    forwardedFor: proxyHeader === '' ? '' : listHeader(req, proxyHeader),
  };
}

function internalError(): ApiReply {
  return {
    status: 500,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: '{"error":{"code":"INTERNAL","message":"internal error"}}',
  };
}

/**
 * Serves one backend HTTP API request on uWebSockets.js, keeping the transport rules: the request
 * is copied synchronously, `onAborted` is attached before anything asynchronous, every write is
 * corked and skipped once aborted. The body is collected by a {@link BodyCollector} (chunks copied:
 * uWS reuses the buffer after `onData` returns) and refused with 413 as soon as it passes the
 * limit, closing the connection so the rest of an oversize body is never read.
 */
export function serveApi(
  api: TransportApi,
  res: HttpResponse,
  req: HttpRequest,
  reporting: { statusLine: (status: number) => string; failed: (error: unknown) => void },
  proxyHeader: string,
): void {
  const { statusLine, failed } = reporting;
  const request = copyApiRequest(req, res, proxyHeader);
  const head = isHead(req);
  let done = false;
  res.onAborted(() => {
    done = true;
  });
  const write = (reply: ApiReply, closeConnection: boolean): void => {
    if (done) return;
    done = true;
    res.cork(() => {
      res.writeStatus(statusLine(reply.status));
      for (const [name, value] of Object.entries(reply.headers)) res.writeHeader(name, value);
      endResponse(res, reply.body, head, closeConnection);
    });
  };

  let early: ApiReply | undefined;
  try {
    early = api.head(request);
  } catch (error) {
    failed(error);
    early = internalError();
  }
  // Answering before the body arrives: close, or the unread body would be parsed as the next request.
  if (early !== undefined) {
    write(early, request.contentLength !== '' && request.contentLength !== '0');
    return;
  }

  const body = new BodyCollector(api.maxBodyBytes);
  res.onData((chunk, isLast) => {
    if (done) return;
    if (!body.push(chunk)) {
      write(api.tooLarge(request), true);
      return;
    }
    if (!isLast) return;
    api.handle(request, body.bytes()).then(
      (reply) => write(reply, false),
      (error: unknown) => {
        failed(error);
        write(internalError(), false);
      },
    );
  });
}
