/**
 * Text that comes from outside the process (a peer's refusal reason, an
 * ABORT message, an error to be recorded on the ledger) made safe to store,
 * log, print and sign: no C0 control character but tab and newline, no DEL
 * or C1 control (terminal escapes such as ESC and CSI), no NUL (which
 * PostgreSQL text and jsonb refuse), and no lone UTF-16 surrogate (which
 * UTF-8 cannot carry, so a stored copy would differ from the signed one).
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters refused
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// The same patterns, global, for replacing.
const CONTROL_ALL = new RegExp(CONTROL.source, 'g');
const LONE_SURROGATE_ALL = new RegExp(LONE_SURROGATE.source, 'g');

/** True when `s` holds a UTF-16 surrogate that is not half of a pair. */
export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

/** True when `s` holds a character `safeText` would replace. */
export function hasUnsafeText(s: string): boolean {
  return CONTROL.test(s) || LONE_SURROGATE.test(s);
}

/**
 * `s` cut to at most `maxChars` UTF-16 units, with every control character
 * (but tab and newline) and every lone surrogate replaced by U+FFFD; a cut
 * through a surrogate pair leaves a lone half, which is replaced too.
 */
export function safeText(s: string, maxChars = Number.POSITIVE_INFINITY): string {
  const cut = s.length > maxChars ? s.slice(0, maxChars) : s;
  return cut.replace(CONTROL_ALL, '\ufffd').replace(LONE_SURROGATE_ALL, '\ufffd');
}
