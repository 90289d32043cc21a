/**
 * Refuses a server URL the WebSocket constructor would refuse on every attempt, so the mistake
 * shows at `createClient()` instead of as endless reconnecting. Relative URLs are resolved
 * against the page, as browsers do; `http(s):` is accepted as `ws(s):`, as browsers and `ws` do.
 *
 * @throws TypeError naming the URL and what is wrong with it.
 */
export function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url, (globalThis as { location?: { href: string } }).location?.href);
  } catch {
    throw new TypeError(`invalid url "${url}": not a URL (expected for example wss://host/ws)`);
  }
  if (!/^(wss?|https?):$/.test(parsed.protocol)) {
    throw new TypeError(`invalid url "${url}": the scheme must be ws: or wss:`);
  }
  if (parsed.hash) throw new TypeError(`invalid url "${url}": a WebSocket URL has no #fragment`);
}
