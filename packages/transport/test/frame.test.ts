import { InternalError } from '@parley/interface';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeAbortBody, encodeAbortBody } from '../src/frame.js';
import { decodeFrame, encodeFrame, FRAME_MAGIC, FrameKind, MAX_HEADER_BYTES } from '../src/index.js';
import { patterned } from './helpers.js';

const packr = new Packr({ useRecords: false });
const LIMIT = 1 << 20;

/** A frame whose msgpack header is `header` (any value), for malformed cases. */
function rawFrame(header: unknown, body: Uint8Array = new Uint8Array(0)): Buffer {
  const head = packr.pack(header);
  return Buffer.concat([Buffer.from([FRAME_MAGIC, 1, head.length >> 8, head.length & 0xff]), head, body]);
}

describe('frame format', () => {
  it('round-trips header and body; the body is a raw byte view, not an array of numbers', () => {
    const body = patterned('body', 5000);
    const frame = encodeFrame({ kind: FrameKind.Data, session: 'job-42', step: 3, seq: 1_000_000 }, body);
    const f = decodeFrame(frame, LIMIT);
    expect(f.ok).toBe(true);
    if (!f.ok) return;
    expect(f.header).toEqual({ kind: FrameKind.Data, session: 'job-42', step: 3, seq: 1_000_000 });
    expect(f.body).toBeInstanceOf(Uint8Array);
    expect(f.body.buffer).toBe(frame.buffer);
    expect(Buffer.from(f.body).equals(Buffer.from(body))).toBe(true);
    expect(frame.length - body.length).toBeLessThan(32);
  });

  it('accepts an empty body and control frames with an empty session', () => {
    const f = decodeFrame(
      encodeFrame({ kind: FrameKind.Control, session: '', step: 0, seq: 0 }, new Uint8Array()),
      LIMIT,
    );
    expect(f.ok && f.header.kind === FrameKind.Control && f.body.length === 0).toBe(true);
  });

  const malformed: Array<[string, Uint8Array, string | undefined]> = [
    ['too short', Buffer.from([FRAME_MAGIC, 1]), undefined],
    ['bad magic', Buffer.from([0x00, 1, 0, 1, 0x90]), undefined],
    ['unknown version', Buffer.from([FRAME_MAGIC, 9, 0, 1, 0x90]), undefined],
    ['header length past the end', Buffer.from([FRAME_MAGIC, 1, 0, 50, 0x90]), undefined],
    [
      'header length over the cap',
      Buffer.from([FRAME_MAGIC, 1, (MAX_HEADER_BYTES + 1) >> 8, 1, 0x90]),
      undefined,
    ],
    ['header not msgpack', Buffer.from([FRAME_MAGIC, 1, 0, 2, 0xc1, 0xc1]), undefined],
    ['header not an array', rawFrame({ kind: 0 }), undefined],
    ['unknown kind (session known)', rawFrame([9, 'job', 0, 0]), 'job'],
    ['negative seq', rawFrame([0, 'job', 0, -1]), 'job'],
    ['fractional step', rawFrame([0, 'job', 1.5, 0]), 'job'],
    ['session id with spaces', rawFrame([0, 'a b', 0, 0]), undefined],
    ['data frame without a session', rawFrame([0, '', 0, 0]), undefined],
    ['CLOSE with a body', rawFrame([1, 'job', 0, 0], new Uint8Array(3)), 'job'],
  ];
  for (const [what, bytes, session] of malformed) {
    it(`rejects a frame with ${what} as MalformedFrame${session ? ' of its session' : ''}`, () => {
      const f = decodeFrame(bytes, LIMIT);
      expect(f.ok).toBe(false);
      if (f.ok) return;
      expect(f.error.code).toBe('MALFORMED_FRAME');
      expect(f.session).toBe(session);
    });
  }

  it('rejects a frame over the limit as FrameTooLarge, naming its session', () => {
    const frame = encodeFrame(
      { kind: FrameKind.Data, session: 'big', step: 0, seq: 0 },
      new Uint8Array(LIMIT),
    );
    const f = decodeFrame(frame, LIMIT);
    expect(f.ok).toBe(false);
    if (f.ok) return;
    expect(f.error.code).toBe('FRAME_TOO_LARGE');
    expect(f.session).toBe('big');
    expect(f.error.details.limit).toBe(LIMIT);
  });

  it('never throws on random bytes', () => {
    for (let i = 0; i < 2000; i++) {
      const bytes = patterned(`r${i}`, i % 64);
      if (i % 3 === 0 && bytes.length > 1) bytes[0] = FRAME_MAGIC;
      if (i % 3 === 0 && bytes.length > 2) bytes[1] = 1;
      const f = decodeFrame(bytes, LIMIT);
      if (!f.ok) expect(['MALFORMED_FRAME', 'FRAME_TOO_LARGE']).toContain(f.error.code);
    }
  });
});

describe('ABORT bodies from a peer', () => {
  it('come back without terminal escapes or NUL, in the message and the details', () => {
    const packr = new Packr({ useRecords: false });
    const body = packr.pack({
      code: 'POLICY_REFUSED',
      message: 'no\u001b]52;c;aGk=\u0007 \u0000 \u009b',
      details: { party: 'bank\u009bB', count: 3 },
    });
    const decoded = decodeAbortBody(new Uint8Array(body));
    expect(decoded).toEqual({
      code: 'POLICY_REFUSED',
      message: 'no\ufffd]52;c;aGk=\ufffd \ufffd \ufffd',
      details: { party: 'bank\ufffdB', count: 3 },
    });
  });
});

describe('ABORT bodies to a peer', () => {
  it("carry an internal error only as 'internal error', not its text or details", () => {
    const body = encodeAbortBody(
      new InternalError('SQLITE_FULL: /srv/parley/node.db is full', { file: '/srv' }),
    );
    expect(decodeAbortBody(body)).toEqual({ code: 'INTERNAL', message: 'internal error', details: {} });
  });
});
