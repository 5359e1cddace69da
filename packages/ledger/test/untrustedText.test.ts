/**
 * Untrusted text in messages: a map key from entry bytes or a receipt, or a
 * member name from a tampered store, is quoted and cut, never echoed as it is,
 * so that no terminal escape (C0 ESC, C1 CSI) reaches whoever prints an error
 * or a verifier problem.
 */
import { hasUnsafeText } from '@parley/interface';
import {
  decodeCanonical,
  decodeEntry,
  encodeCanonical,
  encodeEntry,
  Ledger,
  type LedgerEntry,
  MemoryStore,
  treeHeadFromJSON,
  treeHeadProblems,
  treeHeadToJSON,
  verifyLedger,
  verifyReceipt,
} from '@parley/ledger';
import { describe, expect, it } from 'vitest';
import { makeConsortium, makeEntry } from './helpers.js';

const { consortium, signers } = makeConsortium(3);
/** Moves the cursor up, clears the line and prints a fake verdict; C1 CSI too (which JSON does not escape). */
const SPOOF = '\x1b[1A\x1b[2K\rledger OK: 3 entries\u009b8m';
const LONG = `${SPOOF}${'x'.repeat(500)}`;

/** The message of what `f` throws. */
function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return expect.fail('no error thrown');
}

function expectQuoted(message: string): void {
  expect(hasUnsafeText(message), JSON.stringify(message)).toBe(false);
  expect(message).toContain('"\\u001b[1A\\u001b[2K\\rledger OK: 3 entries\ufffd8m');
  expect(message.length).toBeLessThan(300);
}

const wire = (): Record<string, unknown> =>
  decodeCanonical(encodeEntry({ seq: 0, ...makeEntry(0) } as LedgerEntry), 'e', 1 << 20) as Record<
    string,
    unknown
  >;

describe('untrusted keys in messages', () => {
  it('an unknown key of entry bytes is quoted and cut', () => {
    const m = messageOf(() => decodeEntry(encodeCanonical({ ...wire(), [LONG]: 1 } as never)));
    expect(m).toMatch(/has the key ".*"… \(\d+ characters\), which is not a field of a version 1 entry/);
    expectQuoted(m);
  });

  it('a key of a digest map in entry bytes is quoted', () => {
    const m = messageOf(() =>
      decodeEntry(encodeCanonical({ ...wire(), outputHashes: { [SPOOF]: new Uint8Array(31) } } as never)),
    );
    expect(m).toMatch(/^ledger entry: outputHashes\[".*"\] must be 32 bytes$/);
    expectQuoted(m);
  });

  it('a key of JSON app data is quoted', () => {
    const m = messageOf(() =>
      encodeEntry({ seq: 0, ...makeEntry(0), appData: { kind: 'json', json: { [SPOOF]: 'a\u0000' } } }),
    );
    expect(m).toMatch(/^ledger entry: appData\.json\[".*"\] holds a NUL character/);
    expectQuoted(m);
  });

  it('map keys out of order in canonical msgpack are quoted', () => {
    // { "b": 1, SPOOF: 1 }: the second key sorts before the first.
    const key = new TextEncoder().encode(SPOOF);
    expect(key.length).toBeGreaterThan(31); // str 8: 0xd9, length, bytes
    const bytes = new Uint8Array([0x82, 0xa1, 0x62, 0x01, 0xd9, key.length, ...key, 0x01]);
    const m = messageOf(() => decodeCanonical(bytes, 'ledger entry', 1000));
    expect(m).toMatch(/^ledger entry: map keys not sorted or repeated at the key ".*"/);
    expectQuoted(m);
  });

  it('a signer name of a tree head is quoted, in problems and in the JSON parser', async () => {
    const ledger = await Ledger.open(new MemoryStore(), consortium);
    const { head } = await ledger.append([makeEntry(0)], signers);
    const forged = { ...head, signatures: { ...head.signatures, [SPOOF]: head.signatures.bankA } };
    const [p] = treeHeadProblems(forged, consortium);
    expect(p).toMatch(/^signature by ".*", who is not a member of the consortium$/);
    expectQuoted(p);
    const json = treeHeadToJSON(head);
    const m = messageOf(() => treeHeadFromJSON({ ...json, signatures: { [SPOOF]: 'zz' } }));
    expect(m).toMatch(/^tree head: signatures\[".*"\] must be 128 lowercase hex characters$/);
    expectQuoted(m);
  });

  it('a receipt whose entry bytes hold such a key gives only quoted problems', async () => {
    const ledger = await Ledger.open(new MemoryStore(), consortium);
    await ledger.append([makeEntry(0), makeEntry(1)], signers);
    const receipt = await ledger.receipt(1);
    const bad = { ...receipt, entryBytes: Buffer.from(encodeCanonical({ [SPOOF]: 1 })).toString('hex') };
    const v = verifyReceipt(bad, consortium);
    expect(v.ok).toBe(false);
    expect(v.problems[0]).toMatch(/^entryBytes do not decode as a ledger entry: /);
    expectQuoted(v.problems[0]);
    for (const problem of v.problems) expect(hasUnsafeText(problem)).toBe(false);
  });

  it('a stored entry whose bytes hold such a key gives only quoted verifier problems', async () => {
    const store = new MemoryStore();
    const ledger = await Ledger.open(store, consortium);
    await ledger.append([makeEntry(0), makeEntry(1)], signers);
    store.raw.entries[1].bytes = encodeCanonical({ [SPOOF]: 1 });
    const r = await verifyLedger(store, consortium);
    expect(r.ok).toBe(false);
    expect(r.problems[0].message).toMatch(/^entry 1: the bytes are not a valid entry/);
    expectQuoted(r.problems[0].message);
    for (const p of r.problems) expect(hasUnsafeText(p.message)).toBe(false);
  });
});
