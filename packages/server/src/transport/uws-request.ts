import type { HttpRequest, HttpResponse } from 'uWebSockets.js';

/**
 * Every line of a list-valued header, joined with `, ` ('' when absent). `req.getHeader()` returns
 * only the first line, and RFC 7230 §3.2.2 lets a list be split over several lines.
 */
export function listHeader(req: HttpRequest, name: string): string {
  let joined = '';
  let lines = 0;
  req.forEach((key, value) => {
    if (key !== name) return;
    joined = lines === 0 ? value : `${joined}, ${value}`;
    lines++;
  });
  return joined;
}

/** True for a HEAD request (uWS reports methods in lower case). */
export function isHead(req: HttpRequest): boolean {
  return req.getMethod() === 'head';
}

/**
 * Ends a response with `body`, or, for a HEAD request, with the headers a GET would get and no
 * body (RFC 9110 §9.3.2): `Content-Length` still reports the body's size.
 */
export function endResponse(res: HttpResponse, body: string, head: boolean, closeConnection = false): void {
  // `closeConnection` only matters when a request body may be left unread (API answers sent early).
  if (head) {
    // `endWithoutBody(length)` leaves the response open on this uWS build (it then waits for the
    // announced bytes), so the length is written as a plain header. A HEAD request has no body
    // left unread, so the connection never needs closing for it.
    res.writeHeader('content-length', String(Buffer.byteLength(body)));
    res.endWithoutBody();
  } else {
    res.end(body, closeConnection);
  }
}
