/** Co-signed tree heads: the signed layout and the unanimous quorum. */

import { ed25519KeyPair, toHex } from '@parley/crypto';
import { hasCode } from '@parley/interface';
import {
  assertTreeHeadSigned,
  parseLedgerConsortium,
  type SignedTreeHead,
  signTreeHead,
  treeHeadFromJSON,
  treeHeadMessage,
  treeHeadProblems,
  treeHeadToJSON,
} from '@parley/ledger';
import { describe, expect, it } from 'vitest';
import { makeConsortium } from './helpers.js';

const { consortium, signers } = makeConsortium(3);
const base = { size: 42, root: new Uint8Array(32).fill(7), timestamp: 1_760_000_000_123 };

function cosign(head = base, who = signers): SignedTreeHead {
  const signatures: Record<string, Uint8Array> = {};
  for (const s of who) signatures[s.name] = signTreeHead(head, s.secretKey);
  return { ...head, signatures };
}

describe('tree heads', () => {
  it('sign a fixed binary layout: label, timestamp, size, root', () => {
    const m = treeHeadMessage(base);
    expect(new TextDecoder().decode(m.subarray(0, 27))).toBe('PARLEY-LEDGER-TREE-HEAD-V1\0');
    expect(toHex(m.subarray(27, 35))).toBe(base.timestamp.toString(16).padStart(16, '0'));
    expect(toHex(m.subarray(35, 43))).toBe('000000000000002a');
    expect(toHex(m.subarray(43))).toBe('07'.repeat(32));
    expect(m.length).toBe(27 + 16 + 32);
  });

  it('count only with a valid signature from every member and no one else', () => {
    const good = cosign();
    expect(treeHeadProblems(good, consortium)).toEqual([]);
    expect(() => assertTreeHeadSigned(good, consortium)).not.toThrow();

    const missing = cosign(base, signers.slice(0, 2));
    expect(treeHeadProblems(missing, consortium)).toEqual(['missing signature of bankC']);

    const wrongKey = cosign();
    wrongKey.signatures.bankB = signTreeHead(base, ed25519KeyPair(new Uint8Array(32).fill(99)).secretKey);
    expect(treeHeadProblems(wrongKey, consortium)).toEqual(['signature of bankB does not verify']);

    const foreign = cosign();
    foreign.signatures.mallory = signTreeHead(base, signers[0].secretKey);
    expect(treeHeadProblems(foreign, consortium)).toEqual([
      'signature by "mallory", who is not a member of the consortium',
    ]);

    // Each signed field is bound: changing size, root or time breaks every signature.
    for (const changed of [
      { size: 43 },
      { root: new Uint8Array(32).fill(8) },
      { timestamp: base.timestamp + 1 },
    ]) {
      const h = { ...cosign(), ...changed };
      expect(treeHeadProblems(h, consortium)).toHaveLength(3);
      try {
        assertTreeHeadSigned(h, consortium);
        expect.fail('accepted');
      } catch (e) {
        expect(hasCode(e, 'SIGNATURE')).toBe(true);
        expect((e as Error).message).toMatch(/bankA does not verify/);
      }
    }
  });

  it('round-trip through JSON and refuse malformed JSON naming the field', () => {
    const h = cosign();
    const j = treeHeadToJSON(h);
    expect(j.root).toBe('07'.repeat(32));
    expect(treeHeadFromJSON(JSON.parse(JSON.stringify(j)))).toEqual(h);
    const bad: [unknown, RegExp][] = [
      [{ ...j, size: -1 }, /size/],
      [{ ...j, root: 'zz' }, /root/],
      [{ ...j, timestamp: '1' }, /timestamp/],
      [{ ...j, signatures: { bankA: 'abc' } }, /signatures\["bankA"\]/],
      [[], /object/],
    ];
    for (const [v, why] of bad) expect(() => treeHeadFromJSON(v)).toThrow(why);
    // A signer named "__proto__" is kept as a name (not taken as the object's prototype) and reported.
    const text = JSON.stringify(j).replace(
      '"signatures":{',
      `"signatures":{"__proto__":"${'ab'.repeat(64)}",`,
    );
    expect(treeHeadProblems(treeHeadFromJSON(JSON.parse(text)), consortium)).toEqual([
      'signature by "__proto__", who is not a member of the consortium',
    ]);
  });

  it('consortium files are validated, naming the file and field', () => {
    const text = JSON.stringify(consortium);
    expect(parseLedgerConsortium(text, 'c.json').parties.map((p) => p.name)).toEqual([
      'bankA',
      'bankB',
      'bankC',
    ]);
    const dup = { parties: [consortium.parties[0], consortium.parties[0]] };
    const cases: [string, RegExp][] = [
      ['', /c\.json: not valid JSON/],
      ['[]', /c\.json: \(root\) must be an object/],
      ['{"parties":[]}', /parties must list 2 to/],
      [
        JSON.stringify({ parties: [{ name: 'x', publicKey: 'ab' }, consortium.parties[1]] }),
        /parties\[0\]\.publicKey/,
      ],
      [JSON.stringify(dup), /repeats the name 'bankA'/],
      // The identity point: under it, R = identity and S = 0 sign every message (ZIP-215 rules).
      [
        JSON.stringify({
          parties: [consortium.parties[0], { ...consortium.parties[1], publicKey: `01${'0'.repeat(62)}` }],
        }),
        /c\.json: parties\[1\]\.publicKey \(of 'bankB'\) is a point of small order/,
      ],
      // y = 2^255 − 1 ≥ p: not a canonical encoding.
      [
        JSON.stringify({
          parties: [{ ...consortium.parties[0], publicKey: `${'f'.repeat(62)}7f` }, consortium.parties[1]],
        }),
        /parties\[0\]\.publicKey \(of 'bankA'\) is not the canonical encoding/,
      ],
    ];
    for (const [t, why] of cases) {
      try {
        parseLedgerConsortium(t, 'c.json');
        expect.fail(`accepted ${t}`);
      } catch (e) {
        expect(hasCode(e, 'CONFIG')).toBe(true);
        expect((e as Error).message).toMatch(why);
      }
    }
  });
});
