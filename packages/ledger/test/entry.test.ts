/**
 * Canonical msgpack and ledger entries: one record has one byte string.
 * Encodings are checked against the MessagePack specification's formats
 * (https://github.com/msgpack/msgpack/blob/master/spec.md) and against
 * msgpackr as an independent decoder.
 */

import { fromHex, toHex } from '@parley/crypto';
import { hasCode } from '@parley/interface';
import {
  decodeCanonical,
  decodeEntry,
  encodeCanonical,
  encodeEntry,
  entryToJSON,
  type LedgerEntry,
  LIMITS,
} from '@parley/ledger';
import fc from 'fast-check';
import { Unpackr, unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { makeEntry } from './helpers.js';

const entry = (i: number, o: Partial<LedgerEntry> = {}): LedgerEntry => ({ seq: i, ...makeEntry(i), ...o });

function expectInvalid(f: () => unknown, field: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(hasCode(e, 'INVALID_INPUT'), String(e)).toBe(true);
    expect((e as Error).message).toMatch(field);
    return;
  }
  expect.fail('no error thrown');
}

const msgpackr = new Unpackr({ int64AsType: 'number', useRecords: false });

/** Bytes as { bin: [...] } and maps as sorted entries, to compare decoders' outputs. */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return { bin: [...v] };
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    return Object.keys(v)
      .sort()
      .map((k) => [k, plain((v as Record<string, unknown>)[k])]);
  }
  return v;
}

describe('canonical msgpack', () => {
  it('writes the shortest form of each value, as the msgpack spec lays them out', () => {
    const cases: [unknown, string][] = [
      [null, 'c0'],
      [false, 'c2'],
      [true, 'c3'],
      [0, '00'],
      [127, '7f'],
      [128, 'cc80'],
      [255, 'ccff'],
      [256, 'cd0100'],
      [65535, 'cdffff'],
      [65536, 'ce00010000'],
      [2 ** 32 - 1, 'ceffffffff'],
      [2 ** 32, 'cf0000000100000000'],
      [Number.MAX_SAFE_INTEGER, 'cf001fffffffffffff'],
      ['', 'a0'],
      ['a'.repeat(31), `bf${'61'.repeat(31)}`],
      ['a'.repeat(32), `d920${'61'.repeat(32)}`],
      ['é', 'a2c3a9'],
      [new Uint8Array([1, 2]), 'c4020102'],
      [[], '90'],
      [[1, [2]], '920191 02'.replace(' ', '')],
      [{}, '80'],
      // Keys sorted bytewise whatever the insertion order.
      [{ b: 1, a: 2, aa: 3 }, '83a16102a2616103a16201'],
    ];
    for (const [v, hex] of cases) {
      const b = encodeCanonical(v as never);
      expect(toHex(b), JSON.stringify(v)).toBe(hex);
      expect(decodeCanonical(b, 'v', 1 << 20)).toEqual(v instanceof Uint8Array ? v : v);
    }
    expect(toHex(encodeCanonical(new Array(16).fill(0)))).toBe(`dc0010${'00'.repeat(16)}`);
  });

  it('rejects every non-canonical or out-of-subset encoding, naming the problem', () => {
    const bad: [string, RegExp][] = [
      ['cc05', /non-canonical integer/],
      ['cd0005', /non-canonical integer/],
      ['ce00000005', /non-canonical integer/],
      ['cf0000000000000005', /non-canonical integer/],
      ['cf0020000000000000', /above 2\^53/],
      ['d90161', /length header/],
      ['c50001ff', /length header/],
      ['dc000100', /length header/],
      ['cb3ff0000000000000', /outside canonical/],
      ['ff', /outside canonical/],
      ['d40100', /outside canonical/],
      ['82a16201a16101', /not sorted/],
      ['82a16101a16102', /not sorted or repeated/],
      ['8101a0', /key is not a string/],
      ['a2c328', /UTF-8/],
      ['c0c0', /trailing/],
      ['a5616263', /truncated/],
      ['dd7fffffff', /longer than the input/],
    ];
    for (const [hex, why] of bad) expectInvalid(() => decodeCanonical(fromHex(hex), 'value', 1 << 20), why);
    expectInvalid(() => decodeCanonical(new Uint8Array(100), 'value', 99), /limit of 99/);
    let deep = 'c0';
    for (let i = 0; i < 40; i++) deep = `91${deep}`;
    expectInvalid(() => decodeCanonical(fromHex(deep), 'value', 1 << 20), /nesting/);
  });

  it('round-trips arbitrary values, and msgpackr reads the same values back', () => {
    const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.boolean(),
        fc.maxSafeNat(),
        fc.string(),
        fc.uint8Array({ maxLength: 40 }),
        fc.array(tie('v'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('v'), { maxKeys: 4 }),
      ),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        const b = encodeCanonical(v as never);
        const back = decodeCanonical(b, 'v', 1 << 24);
        expect(encodeCanonical(back)).toEqual(b);
        expect(plain(msgpackr.unpack(b))).toEqual(plain(back));
      }),
      { numRuns: 300, seed: 20261124 },
    );
  });
});

describe('ledger entries', () => {
  it('encode deterministically and decode to the same record, including application data', () => {
    const e = entry(3, {
      outcome: 'failed',
      reason: 'TIMEOUT: bankC did not answer',
      appData: { kind: 'json', json: { z: [1, 'two'], a: { y: null, b: true } } },
    });
    const b1 = encodeEntry(e);
    // The same record built with keys in another order gives the same bytes.
    const shuffled = Object.fromEntries(Object.entries(e).reverse()) as unknown as LedgerEntry;
    expect(toHex(encodeEntry(shuffled))).toBe(toHex(b1));
    const back = decodeEntry(b1);
    expect(back).toEqual(e);
    expect(toHex(encodeEntry(back))).toBe(toHex(b1));
    const withBytes = entry(4, { appData: { kind: 'bytes', bytes: new Uint8Array([9, 8, 7]) } });
    expect(decodeEntry(encodeEntry(withBytes)).appData).toEqual({
      kind: 'bytes',
      bytes: new Uint8Array([9, 8, 7]),
    });
    expect(entryToJSON(withBytes).appData).toEqual({ bytes: '090807' });
    expect(entryToJSON(e).startedAt).toBe(new Date(e.startedAt).toISOString());
    // msgpackr reads the record as an ordinary msgpack map with the documented keys.
    expect(Object.keys(unpack(b1)).sort()).toEqual(
      [
        'appData',
        'computationId',
        'finishedAt',
        'inputCommitments',
        'jobId',
        'outcome',
        'outputHashes',
        'parties',
      ]
        .concat(['reason', 'seq', 'startedAt', 'transcriptHash', 'v'])
        .sort(),
    );
  });

  it('refuse invalid records, naming the field', () => {
    const cases: [Partial<LedgerEntry>, RegExp][] = [
      [{ seq: -1 }, /seq/],
      [{ jobId: '' }, /jobId/],
      [{ jobId: 'a\nb' }, /jobId.*control/],
      [{ computationId: 'ABC' }, /computationId/],
      [{ parties: [] }, /parties/],
      [{ parties: ['bankA', 'bankA'] }, /parties.*twice/],
      [{ inputCommitments: { mallory: 'a'.repeat(64) } }, /inputCommitments.*mallory/],
      [{ outputHashes: { score: 'xyz' } }, /outputHashes\["score"\]/],
      [{ outcome: 'maybe' as never }, /outcome/],
      [{ outcome: 'refused' }, /reason.*required/],
      [{ reason: 'why' }, /reason.*absent/],
      [{ startedAt: 1.5 }, /startedAt/],
      // Past the last time a Date holds: valid to sign before, but no ISO form for receipts or columns.
      [{ startedAt: 9e15, finishedAt: 9e15 }, /startedAt.*at most 8\.64e15/],
      [{ outputHashes: Object.fromEntries([['__proto__', 'a'.repeat(64)]]) }, /__proto__/],
      [{ finishedAt: 0 }, /finishedAt.*before/],
      [{ appData: { kind: 'json', json: { x: Number.NaN } } }, /appData\.json\["x"\]/],
      [{ appData: { kind: 'bytes', bytes: new Uint8Array(LIMITS.maxAppDataBytes + 1) } }, /appData.*larger/],
      [{ appData: { kind: 'json', json: 'x'.repeat(LIMITS.maxAppDataBytes) } }, /appData.*larger/],
      // What a PostgreSQL replica could not store (text and jsonb refuse NUL) or a terminal would obey.
      [{ outcome: 'failed', reason: 'x\u0000' }, /reason.*control character/],
      [{ outcome: 'failed', reason: 'x\u001b]52;c;aGk=\u0007' }, /reason.*control character/],
      [{ outcome: 'failed', reason: 'half \ud800' }, /reason.*lone surrogate/],
      [{ parties: ['bank\udc00', 'bankB'] }, /parties\[0\].*lone surrogate/],
      [{ appData: { kind: 'json', json: { note: 'a\u0000b' } } }, /appData\.json\["note"\].*NUL/],
      [{ appData: { kind: 'json', json: { 'k\u0000': 1 } } }, /appData\.json key.*NUL/],
      [{ appData: { kind: 'json', json: ['\udbff'] } }, /appData\.json\[0\].*lone surrogate/],
    ];
    for (const [o, why] of cases) expectInvalid(() => encodeEntry(entry(1, o)), why);
  });

  it('reject bytes that are not a canonical version 1 entry', () => {
    const good = encodeEntry(entry(7));
    // A field added, the version changed, a digest shortened: re-encoded canonically, still refused.
    const wire = decodeCanonical(good, 'e', 1 << 20) as Record<string, unknown>;
    expectInvalid(() => decodeEntry(encodeCanonical({ ...wire, extra: 1 } as never)), /extra.*not a field/);
    expectInvalid(() => decodeEntry(encodeCanonical({ ...wire, v: 2 } as never)), /\bv\b.*must be 1/);
    expectInvalid(
      () => decodeEntry(encodeCanonical({ ...wire, transcriptHash: new Uint8Array(31) } as never)),
      /transcriptHash.*32 bytes/,
    );
    expectInvalid(
      () => decodeEntry(encodeCanonical({ ...wire, appData: { json: '{"b":1,"a":2}' } } as never)),
      /appData\.json.*canonical/,
    );
    // A "__proto__" key in a map would vanish on decode (one record, two byte strings): refused.
    const hidden = Object.fromEntries([
      ...Object.entries(wire.inputCommitments as Record<string, Uint8Array>),
      ['__proto__', new Uint8Array(32)],
    ]);
    expectInvalid(
      () => decodeEntry(encodeCanonical({ ...wire, inputCommitments: hidden } as never)),
      /inputCommitments.*__proto__/,
    );
    // One flipped byte anywhere either fails to decode or decodes to a different record.
    for (let i = 0; i < good.length; i++) {
      const b = good.slice();
      b[i] ^= 0x01;
      let other: LedgerEntry | undefined;
      try {
        other = decodeEntry(b);
      } catch (e) {
        expect(hasCode(e, 'INVALID_INPUT')).toBe(true);
      }
      if (other !== undefined) expect(toHex(encodeEntry(other))).not.toBe(toHex(good));
    }
  });
});
