/** Control messages from peers: their free text comes back clean, and a job name with control characters is refused. */
import { hasCode } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import { decodeJobMessage, encodeJobMessage } from '../src/index.js';

const job = 'a'.repeat(32);

describe('decodeJobMessage', () => {
  it("cleans a peer's reasons of terminal escapes and NUL", () => {
    const reason = 'no\u0000 \u001b]52;c;aGk=\u0007';
    const decision = decodeJobMessage(
      encodeJobMessage({ t: 'decision', job, approved: false, reason }),
      'bankB',
    );
    expect(decision).toMatchObject({ t: 'decision', reason: 'no\ufffd \ufffd]52;c;aGk=\ufffd' });
    const failed = decodeJobMessage(encodeJobMessage({ t: 'record-failed', job, reason }), 'bankB');
    expect(failed).toMatchObject({ t: 'record-failed', reason: 'no\ufffd \ufffd]52;c;aGk=\ufffd' });
  });

  it('refuses a proposal whose name holds a control character', () => {
    const bytes = encodeJobMessage({
      t: 'propose',
      job,
      name: 'fraud\u001b[2J',
      protocol: 'auto',
      computationId: 'b'.repeat(64),
      program: new Uint8Array(4),
    });
    let caught: unknown;
    try {
      decodeJobMessage(bytes, 'bankB');
    } catch (e) {
      caught = e;
    }
    expect(hasCode(caught, 'PROTOCOL_VIOLATION')).toBe(true);
    expect((caught as Error).message).toContain('name');
  });
});
