import type { HttpRequest, HttpResponse, us_socket_context_t } from 'uWebSockets.js';
import type { TransportHandlers, TransportSocket, UpgradeDecision, UpgradeRequest } from './types.js';
import { statusLine } from './uws-http.js';
import { listHeader } from './uws-request.js';

/**
 * The upgrade side of the uWebSockets.js transport (uws.ts keeps its rules): the request is
 * copied before anything else (rule 1), a late decision is written corked and never after an
 * abort (rule 2), and only the negotiated subprotocol is echoed (rule 3).
 */

/** A socket as its user data holds it: closed once uWS reported `close` (rule 5). */
export interface HeldSocket extends TransportSocket {
  closed: boolean;
}

/** Per-socket user data: the core's state, and the socket wrapper once it opened. */
export interface UserData<D> {
  readonly data: D;
  socket: HeldSocket | undefined;
}

const addressDecoder = new TextDecoder();

// The close reported for an accepted upgrade whose client left before it could be upgraded.
const ABANDONED = 'upgrade abandoned';

function copyUpgradeRequest(req: HttpRequest, res: HttpResponse, proxyHeader: string): UpgradeRequest {
  return {
    path: req.getUrl(),
    query: req.getQuery() ?? '',
    authorization: req.getHeader('authorization'),
    origin: req.getHeader('origin'),
    protocols: listHeader(req, 'sec-websocket-protocol'),
    forwardedFor: proxyHeader === '' ? '' : listHeader(req, proxyHeader),
    remoteAddress: addressDecoder.decode(res.getRemoteAddressAsText()),
    wsKey: req.getHeader('sec-websocket-key'),
    wsVersion: req.getHeader('sec-websocket-version'),
  };
}

function answerUpgrade<D>(
  res: HttpResponse,
  decision: UpgradeDecision<D>,
  key: string,
  extensions: string,
  context: us_socket_context_t,
): void {
  if (decision.accept) {
    const userData: UserData<D> = { data: decision.data, socket: undefined };
    res.upgrade(userData, key, decision.protocol, extensions, context);
    return;
  }
  res.writeStatus(statusLine(decision.status)).writeHeader('content-type', 'text/plain; charset=utf-8');
  for (const [name, value] of Object.entries(decision.headers ?? {})) res.writeHeader(name, value);
  res.end(decision.body);
}

/** Answers an upgrade with the core's decision, at once when it is synchronous, corked when it comes later. */
export function handleUpgrade<D>(
  handlers: TransportHandlers<D>,
  proxyHeader: string,
  res: HttpResponse,
  req: HttpRequest,
  context: us_socket_context_t,
): void {
  const request = copyUpgradeRequest(req, res, proxyHeader);
  const extensions = req.getHeader('sec-websocket-extensions');
  let decision: UpgradeDecision<D> | Promise<UpgradeDecision<D>>;
  try {
    decision = handlers.upgrade(request);
  } catch (error) {
    handlers.failed('upgrade', error);
    decision = { accept: false, status: 500, body: 'internal error' };
  }
  // A decision made synchronously is written at once, still inside the handler (where uWS
  // corks), so it needs neither `onAborted` nor closures.
  if (!(decision instanceof Promise)) {
    answerUpgrade(res, decision, request.wsKey, extensions, context);
    return;
  }
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  const finish = (answer: UpgradeDecision<D>): void => {
    if (aborted) {
      // The client went away while the core decided: release what it reserved for an accepted one.
      if (answer.accept) handlers.close(answer.data, 1006, ABANDONED);
      return;
    }
    res.cork(() => answerUpgrade(res, answer, request.wsKey, extensions, context));
  };
  decision.then(finish, (error: unknown) => {
    handlers.failed('upgrade', error);
    finish({ accept: false, status: 500, body: 'internal error' });
  });
}
