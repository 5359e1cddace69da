/** Receipts: verify offline with only the consortium; any edit is found. */

import { hasCode } from '@parley/interface';
import { Ledger, MemoryStore, parseReceiptText, type ReceiptJSON, verifyReceipt } from '@parley/ledger';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeConsortium, makeEntry } from './helpers.js';

const { consortium, signers } = makeConsortium(3);
let ledger: Ledger;
let oldHead: ReceiptJSON['treeHead'];

beforeAll(async () => {
  ledger = await Ledger.open(new MemoryStore(), consortium);
  await ledger.append(
    [0, 1, 2, 3].map((i) => makeEntry(i)),
    signers,
    1_760_000_000_000,
  );
  oldHead = (await ledger.receipt(2)).treeHead;
  for (let b = 1; b < 5; b++) {
    await ledger.append(
      [0, 1, 2].map((i) => makeEntry(b * 10 + i)),
      signers,
      1_760_000_000_000 + b,
    );
  }
});

const clone = (r: ReceiptJSON): ReceiptJSON => JSON.parse(JSON.stringify(r));
const flipHex = (h: string, at = 10): string =>
  h.slice(0, at) + (h[at] === '0' ? '1' : '0') + h.slice(at + 1);

describe('receipts', () => {
  it('verify offline from their JSON text with the consortium alone', async () => {
    expect(ledger.size).toBe(16);
    for (const seq of [0, 5, 9, 15]) {
      const text = JSON.stringify(await ledger.receipt(seq), null, 2);
      const v = verifyReceipt(parseReceiptText(text), JSON.parse(JSON.stringify(consortium)));
      expect(v.problems).toEqual([]);
      expect(v.ok).toBe(true);
      expect(v.seq).toBe(seq);
      expect(v.treeSize).toBe(16);
      expect(v.entry?.jobId).toBe((await ledger.entry(seq)).jobId);
    }
  });

  it('report every kind of edit with the sequence number', async () => {
    const r = await ledger.receipt(9);
    const edits: [string, (x: ReceiptJSON) => void, RegExp][] = [
      [
        'readable entry field',
        (x) => (x.entry.jobId = 'job-forged'),
        /entry 9: the readable entry does not match/,
      ],
      [
        'readable output hash',
        (x) => (x.entry.outputHashes.score = 'a'.repeat(64)),
        /entry 9: the readable entry/,
      ],
      [
        'entry bytes',
        (x) => (x.entryBytes = flipHex(x.entryBytes, x.entryBytes.length - 4)),
        /entry 9|entryBytes/,
      ],
      ['leaf index', (x) => (x.leafIndex = 8), /leafIndex 8 is not the entry's sequence number 9/],
      [
        'proof element',
        (x) => (x.inclusionProof[1] = flipHex(x.inclusionProof[1])),
        /entry 9: the inclusion proof does not lead/,
      ],
      ['proof shortened', (x) => x.inclusionProof.pop(), /entry 9: the inclusion proof/],
      [
        'head root',
        (x) => (x.treeHead.root = flipHex(x.treeHead.root)),
        /signature of bankA does not verify/,
      ],
      ['head size', (x) => (x.treeHead.size = 17), /tree head of size 17: signature/],
      [
        'signature replaced',
        (x) => (x.treeHead.signatures.bankB = x.treeHead.signatures.bankA),
        /signature of bankB does not verify/,
      ],
      ['signature removed', (x) => delete x.treeHead.signatures.bankC, /missing signature of bankC/],
      ['format', (x) => ((x as { format: string }).format = 'other/1'), /format/],
      ['older tree head', (x) => (x.treeHead = oldHead), /entry 9 is not covered by the tree head of size 4/],
    ];
    for (const [what, edit, why] of edits) {
      const x = clone(r);
      edit(x);
      const v = verifyReceipt(x, consortium);
      expect(v.ok, what).toBe(false);
      expect(v.problems.join('\n'), what).toMatch(why);
    }
    // An older, validly signed head that does cover the entry: the proof no longer leads to its root.
    const r2 = clone(await ledger.receipt(2));
    r2.treeHead = oldHead;
    expect(verifyReceipt(r2, consortium).problems.join()).toMatch(/entry 2: the inclusion proof/);
  });

  it('a flipped hex digit anywhere in the first hash of the file is found (as an auditor might edit it)', async () => {
    const text = JSON.stringify(await ledger.receipt(3), null, 2);
    expect(verifyReceipt(JSON.parse(text), consortium).ok).toBe(true);
    const m = /[0-9a-f]{64}/.exec(text)!;
    for (let i = 0; i < 64; i++) {
      const digit = m[0][i] === '0' ? '1' : '0';
      const edited = text.replace(m[0], m[0].slice(0, i) + digit + m[0].slice(i + 1));
      expect(verifyReceipt(JSON.parse(edited), consortium).ok, `digit ${i}`).toBe(false);
    }
  });

  it('a receipt does not verify against another consortium, and garbage is refused without throwing', async () => {
    const r = await ledger.receipt(1);
    const other = makeConsortium(3, 10).consortium;
    expect(verifyReceipt(r, other).problems).toEqual([
      'tree head of size 16: signature of bankA does not verify',
      'tree head of size 16: signature of bankB does not verify',
      'tree head of size 16: signature of bankC does not verify',
    ]);
    const deep = JSON.parse(`{"format":${'['.repeat(200_000)}${']'.repeat(200_000)}}`) as unknown;
    expect(verifyReceipt(deep, consortium).problems[0]).toBe(
      'receipt format is an array, not parley-ledger-receipt/1',
    );
    for (const g of [null, [], 'receipt', 42, {}, { format: 'parley-ledger-receipt/1' }]) {
      const v = verifyReceipt(g, consortium);
      expect(v.ok).toBe(false);
      expect(v.problems.length).toBeGreaterThan(0);
    }
    for (const t of ['', '   ', '{', 'x'.repeat(2 * 1024 * 1024)]) {
      try {
        parseReceiptText(t, '/dev/null');
        expect.fail('parsed');
      } catch (e) {
        expect(hasCode(e, 'INVALID_INPUT')).toBe(true);
        expect((e as Error).message).toMatch(/receipt \/dev\/null/);
      }
    }
  });
});
