import { RpcError, type Frame, type ReplyEnvelope, type RequestEnvelope } from '@switchyard/protocol';

/** A handler for server→client requests: its return value (or promise) is the reply data. */
export type Handler = (data: unknown) => unknown;

/**
 * Runs the handler for a server request and returns the encoded reply. A thrown `RpcError`
 * answers with its code; anything else (a bug, a result that cannot be encoded or is too large)
 * is reported and answered with `INTERNAL`, so no detail leaks to the server. No handler:
 * `NOT_FOUND`. Rejects when even the error reply cannot be encoded (an `RpcError` message larger
 * than the server's `maxPayload`).
 */
export async function answer(
  handler: Handler | undefined,
  { id, name, data }: RequestEnvelope,
  encode: (reply: ReplyEnvelope) => Frame,
  report: (error: unknown) => void,
): Promise<Frame> {
  try {
    if (!handler) throw new RpcError('NOT_FOUND', `no handler for "${name}"`);
    return encode({ t: 'reply', id, ok: true, data: await handler(data) });
  } catch (error) {
    const rpc = error instanceof RpcError;
    if (!rpc) report(error);
    return encode({
      t: 'reply',
      id,
      ok: false,
      error: rpc ? { code: error.code, message: error.message } : { code: 'INTERNAL', message: 'handler failed' },
    });
  }
}
