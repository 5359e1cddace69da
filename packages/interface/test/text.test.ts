/** safeText / hasUnsafeText: peer text made safe to store (PostgreSQL), print (terminals) and sign (UTF-8). */
import { describe, expect, it } from 'vitest';
import { hasUnsafeText, safeText } from '../src/index.js';

describe('safeText', () => {
  it('keeps ordinary text, tabs, newlines and surrogate pairs as they are', () => {
    const ok = 'bank A refused:\tpolicy\nrow 3 — ünïcode 🙂';
    expect(hasUnsafeText(ok)).toBe(false);
    expect(safeText(ok)).toBe(ok);
  });

  it('replaces NUL, ESC, DEL, C1 controls and lone surrogates with U+FFFD', () => {
    const cases: [string, string][] = [
      ['a\u0000b', 'a\ufffdb'],
      ['\u001b]52;c;aGk=\u0007', '\ufffd]52;c;aGk=\ufffd'],
      ['x\u007fy\u009bz', 'x\ufffdy\ufffdz'],
      ['\r\u000b\u000c', '\ufffd\ufffd\ufffd'],
      ['lone \ud800 high', 'lone \ufffd high'],
      ['lone \udc00 low', 'lone \ufffd low'],
      ['\udc00\ud800', '\ufffd\ufffd'],
    ];
    for (const [input, expected] of cases) {
      expect(hasUnsafeText(input)).toBe(true);
      expect(safeText(input)).toBe(expected);
      expect(hasUnsafeText(safeText(input))).toBe(false);
    }
  });

  it('cuts to maxChars, and a cut through a surrogate pair leaves no lone half', () => {
    expect(safeText('abcdef', 3)).toBe('abc');
    const cut = safeText('ab🙂', 3);
    expect(cut).toBe('ab\ufffd');
    expect(hasUnsafeText(cut)).toBe(false);
    expect(Buffer.from(cut, 'utf8').toString('utf8')).toBe(cut);
  });
});
