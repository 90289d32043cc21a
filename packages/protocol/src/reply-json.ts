import type { ReplyEnvelope } from './envelope.js';

type OkReply = Extract<ReplyEnvelope, { ok: true }>;

// Every request is answered by one of these, so the envelope around `data` is written from a
// fixed prefix instead of having JSON.stringify visit the envelope object's fields. The output is
// exactly what JSON.stringify writes for `{ t, id, ok, data }` in that order, including an omitted
// `data` when it is undefined or serialises to nothing (a function, a symbol). The one difference:
// a top-level `toJSON(key)` on `data` is called with "" instead of "data" (Date ignores the key).

/** JSON text of a successful reply, fields in the order `t`, `id`, `ok`, `data`. */
export function encodeReplyJson(envelope: OkReply): string {
  const { id } = envelope;
  // Request ids are integers; anything else (only a caller bypassing the types) takes the slow path.
  if (!Number.isSafeInteger(id)) return JSON.stringify({ t: 'reply', id, ok: true, data: envelope.data });
  const data = JSON.stringify(envelope.data) as string | undefined;
  return data === undefined
    ? `{"t":"reply","id":${id},"ok":true}`
    : `{"t":"reply","id":${id},"ok":true,"data":${data}}`;
}
