/** What a session tells its peers of the error that ended it, and the typed error they rebuild from it. */
import { describe, expect, it } from 'vitest';
import { errorForPeers, errorFromJSON, InternalError, ProtocolViolation } from '../src/index.js';

describe('errorForPeers', () => {
  it('passes a typed error on whole, and says of any other only that it happened', () => {
    const shared = errorForPeers(new ProtocolViolation('round 3: a short message', { party: 'bankB' }));
    expect(errorFromJSON(shared)).toMatchObject({
      code: 'PROTOCOL_VIOLATION',
      message: 'round 3: a short message',
      details: { party: 'bankB' },
    });
    // A runtime error's text, or an internal error wrapping one, may quote values: not sent.
    for (const e of [
      new TypeError('cannot read 0x5ec7e7 of undefined'),
      new InternalError('share 0x5ec7e7'),
    ]) {
      expect(errorForPeers(e)).toEqual({ code: 'INTERNAL', message: 'internal error' });
    }
  });
});
