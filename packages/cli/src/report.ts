import { ParleyError, safeText } from '@parley/interface';

/** Prints an error for a person (one line: code and message) and returns the exit status. */
export function reportError(e: unknown): number {
  if (e instanceof ParleyError) {
    // A node's or a peer's text: printed without control characters (no terminal escapes).
    console.error(`parley: ${e.code}: ${safeText(e.message)}`);
    return 2;
  }
  console.error(`parley: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return 1;
}
