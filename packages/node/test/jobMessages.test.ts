/**
 * Control messages from peers: their free text comes back clean, a job name
 * with control characters is refused, and the kind and job of a message too
 * large to decode are read from its first fields alone.
 */
import { hasCode } from '@parley/interface';
import { describe, expect, it } from 'vitest';
import { decodeJobMessage, encodeJobMessage, peekJobMessage } from '../src/index.js';

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

describe('peekJobMessage', () => {
  const proposal = {
    t: 'propose' as const,
    job,
    name: 'big',
    protocol: 'auto' as const,
    computationId: 'b'.repeat(64),
    program: new Uint8Array(1 << 20),
  };

  it('reads the kind and job id that encodeJobMessage writes first', () => {
    expect(peekJobMessage(encodeJobMessage(proposal))).toEqual({ t: 'propose', job });
    expect(peekJobMessage(encodeJobMessage({ t: 'decision', job, approved: true }))).toEqual({
      t: 'decision',
      job,
    });
  });

  it('gives only what leads the message, and nothing for what is not a msgpack map', () => {
    const { t, ...rest } = proposal;
    expect(peekJobMessage(encodeJobMessage({ ...rest, t } as never))).toEqual({ job });
    expect(peekJobMessage(encodeJobMessage(proposal).subarray(0, 20))).toEqual({ t: 'propose' });
    for (const bytes of [
      new Uint8Array(0),
      new Uint8Array([0xc1, 1, 2]),
      new TextEncoder().encode('{"t":1}'),
    ])
      expect(peekJobMessage(bytes)).toEqual({});
  });
});
