// A Switchyard client over `ws` for the small scenario scripts (history.mjs, server-emit-burst.mjs,
// presence-storm.mjs): JSON version 2, an HS256 token for the user, no compression.
import WebSocket from 'ws';
import { hs256 } from './jwt.mjs';

/** The secret servers/switchyard.mjs verifies tokens with by default. */
export const BENCH_SECRET = 'switchyard-bench-secret-0123456789abcdef';

/** Opens a connection as `user`; resolves with the socket once `welcome` arrived. */
export function open(port, user, secret = BENCH_SECRET) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, ['switchyard.v2.json'], {
      headers: { authorization: `Bearer ${hs256(secret, user)}` },
      perMessageDeflate: false,
    });
    ws.once('error', reject);
    ws.once('message', () => resolve(ws)); // welcome
  });
}

/** Sends `envelope` (with an `id`) and resolves with its reply. */
export function call(ws, envelope) {
  return new Promise((resolve) => {
    const onMessage = (raw) => {
      const e = JSON.parse(String(raw));
      if (e.t === 'reply' && e.id === envelope.id) {
        ws.off('message', onMessage);
        resolve(e);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify(envelope));
  });
}
