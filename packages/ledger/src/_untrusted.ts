/**
 * Untrusted text (a map key from entry bytes or a receipt, a member name from
 * a tampered store) as an error message or a verifier problem may quote it:
 * JSON-quoted, cut to a few characters, with no control character left (no
 * terminal escape, see `safeText` of @parley/interface), so that a message
 * cannot be made to look like another line of output.
 */
import { safeText } from '@parley/interface';

/** Characters of untrusted text a message quotes. */
export const MAX_QUOTED_CHARS = 40;

/** `s` as a message quotes it: `"abc"`, or `"abc…"… (N characters)` when cut. */
export function quoteUntrusted(s: string, maxChars = MAX_QUOTED_CHARS): string {
  const cut = s.length > maxChars;
  // JSON escapes C0 controls, quotes and lone surrogates; safeText replaces DEL and C1 controls, which it does not.
  const quoted = safeText(JSON.stringify(cut ? s.slice(0, maxChars) : s));
  return cut ? `${quoted}… (${s.length} characters)` : quoted;
}

/** The name of the value under key `key` of the field `field`: `outputHashes["score"]`. */
export function keyPath(field: string, key: string): string {
  return `${field}[${quoteUntrusted(key)}]`;
}
