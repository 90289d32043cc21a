// The payload rules (payload.ts) hold for a JSON frame by construction when its text shows it.
// JSON.parse only ever produces plain objects, arrays, strings, finite numbers, booleans and
// null, so the "plain JSON values" rule needs no walk. Two rules remain, and both can be proved
// from the text with a few native string searches instead of a walk over the parsed value:
//
// - Forbidden keys. `__proto__`, `prototype` and `constructor` can only be spelled literally
//   (the text then contains "proto" or "constructor") or with a `\u` escape: the other JSON
//   escapes (\" \\ \/ \b \f \n \r \t) produce none of their characters.
// - Depth. Every array or object in the parsed value comes from one `[` or `{` in the text, so
//   the count of those characters, inside strings or not, bounds the nesting depth.
//
// A text that proves neither falls back to the full walk, which then names the exact rule broken.

function countUpTo(text: string, char: string, limit: number): number {
  let count = 0;
  for (let at = text.indexOf(char); at !== -1; at = text.indexOf(char, at + 1)) {
    if (++count > limit) break;
  }
  return count;
}

/**
 * True when the value `JSON.parse(text)` returns is certain to pass {@link checkPayload} with
 * `maxDepth` (no forbidden key, at most `maxDepth` nested containers). False means "not proved":
 * the caller must walk the parsed value.
 */
export function jsonTextWithinLimits(text: string, maxDepth: number): boolean {
  if (text.includes('proto') || text.includes('constructor') || text.includes('\\u')) return false;
  const braces = countUpTo(text, '{', maxDepth);
  if (braces > maxDepth) return false;
  return braces + countUpTo(text, '[', maxDepth - braces) <= maxDepth;
}
