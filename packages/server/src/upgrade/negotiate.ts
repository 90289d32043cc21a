import { BEARER_SUBPROTOCOL_PREFIX, type Codec } from '@switchyard/protocol';

/** The outcome of reading the `Sec-WebSocket-Protocol` offer. */
export type Negotiation =
  | {
      readonly ok: true;
      readonly codec: Codec;
      /** The subprotocol to echo: the chosen codec's, or '' when the client offered none. */
      readonly echo: string;
    }
  | { readonly ok: false; readonly offered: string };

/**
 * Picks the wire format (codec and protocol version) from a client's subprotocol offer. The first
 * offered subprotocol this server enables wins. An offer naming only `switchyard.*` entries we do
 * not speak (say `switchyard.v3.json`) is refused; an offer with no `switchyard.*` entry at all
 * means `fallback` (version 1 JSON; refused when JSON is disabled). The bearer entry (read by the
 * auth module) is skipped and never echoed.
 */
export function negotiateSubprotocol(
  header: string,
  enabled: readonly Codec[],
  fallback: Codec | undefined,
): Negotiation {
  let chosen: Codec | undefined;
  let unknown = '';
  for (const raw of header.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    if (chosen || entry.startsWith(BEARER_SUBPROTOCOL_PREFIX)) continue;
    const codec = enabled.find((c) => c.subprotocol === entry);
    if (codec) chosen = codec;
    else if (entry.startsWith('switchyard.') && unknown === '') unknown = entry;
  }
  if (chosen) return { ok: true, codec: chosen, echo: chosen.subprotocol };
  if (unknown !== '') return { ok: false, offered: unknown };
  if (fallback === undefined) return { ok: false, offered: '' };
  return { ok: true, codec: fallback, echo: '' };
}
