/**
 * RFC 9162 §2.1 Merkle trees: the library against (1) the published
 * Certificate Transparency test vectors and (2) a reference implementation
 * written here straight from the RFC's recursive definitions (MTH, PATH,
 * PROOF/SUBPROOF), on trees of every size 1–300.
 *
 * Vector provenance: the 8 leaves, the roots of sizes 1–8 and the inclusion
 * and consistency proofs below are the reference data of Certificate
 * Transparency's Merkle tree tests (google/certificate-transparency
 * cpp/merkletree/merkle_tree_test.cc, carried over to google/trillian
 * merkle/logverifier/log_verifier_test.go); leaf and tree sizes there are
 * 1-based, converted to 0-based leaf indices here.
 */
import { createHash } from 'node:crypto';
import { fromHex, toHex } from '@parley/crypto';
import {
  CompactRange,
  EMPTY_ROOT,
  leafHash,
  MerkleTree,
  merkleRoot,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from '@parley/ledger';
import { describe, expect, it } from 'vitest';

// ---- Reference implementation, from the RFC text, deliberately naive ----
const sha = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const refLeaf = (d: Uint8Array): Uint8Array => sha(Uint8Array.of(0), d);
const refNode = (l: Uint8Array, r: Uint8Array): Uint8Array => sha(Uint8Array.of(1), l, r);
const largestPow2Below = (n: number): number => {
  let k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
};
/** MTH(D[a:b]) over raw leaf data, memoised per range. */
function makeReference(data: Uint8Array[]) {
  const memo = new Map<string, Uint8Array>();
  const mth = (a: number, b: number): Uint8Array => {
    const key = `${a}:${b}`;
    let v = memo.get(key);
    if (v) return v;
    if (b - a === 0) v = sha();
    else if (b - a === 1) v = refLeaf(data[a]);
    else {
      const k = largestPow2Below(b - a);
      v = refNode(mth(a, a + k), mth(a + k, b));
    }
    memo.set(key, v);
    return v;
  };
  // PATH(m, D[a:b])
  const path = (m: number, a: number, b: number): Uint8Array[] => {
    if (b - a <= 1) return [];
    const k = largestPow2Below(b - a);
    return m < k ? [...path(m, a, a + k), mth(a + k, b)] : [...path(m - k, a + k, b), mth(a, a + k)];
  };
  // SUBPROOF(m, D[a:b], flag)
  const subproof = (m: number, a: number, b: number, flag: boolean): Uint8Array[] => {
    if (m === b - a) return flag ? [] : [mth(a, b)];
    const k = largestPow2Below(b - a);
    return m <= k
      ? [...subproof(m, a, a + k, flag), mth(a + k, b)]
      : [...subproof(m - k, a + k, b, false), mth(a, a + k)];
  };
  return { mth, path, proof: (m: number, n: number) => subproof(m, 0, n, true) };
}

// ---- Published vectors (see the header for provenance) ----
const CT_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const CT_INCLUSION: [number, number, string[]][] = [
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];
const CT_CONSISTENCY: [number, number, string[]][] = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];

function ctTree(): MerkleTree {
  const t = new MerkleTree();
  for (const l of CT_LEAVES) t.push(leafHash(fromHex(l)));
  return t;
}

describe('RFC 9162 hashing and the Certificate Transparency vectors', () => {
  it('the empty root is SHA-256 of nothing and roots of sizes 1-8 match the published ones', () => {
    expect(toHex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(merkleRoot([]))).toBe(toHex(EMPTY_ROOT));
    const t = ctTree();
    for (let n = 1; n <= 8; n++) {
      expect(toHex(t.root(n)), `size ${n}`).toBe(CT_ROOTS[n - 1]);
      expect(toHex(merkleRoot(CT_LEAVES.slice(0, n).map((l) => leafHash(fromHex(l)))))).toBe(CT_ROOTS[n - 1]);
    }
  });

  it('produces and verifies the published inclusion and consistency proofs', () => {
    const t = ctTree();
    for (const [index, size, proof] of CT_INCLUSION) {
      expect(t.inclusionProof(index, size).map(toHex), `PATH(${index}, ${size})`).toEqual(proof);
      const root = fromHex(CT_ROOTS[size - 1]);
      expect(verifyInclusion(index, size, t.leaf(index), proof.map(fromHex), root)).toBe(true);
    }
    for (const [m, n, proof] of CT_CONSISTENCY) {
      expect(t.consistencyProof(m, n).map(toHex), `PROOF(${m}, ${n})`).toEqual(proof);
      expect(
        verifyConsistency(m, n, fromHex(CT_ROOTS[m - 1]), fromHex(CT_ROOTS[n - 1]), proof.map(fromHex)),
      ).toBe(true);
    }
  });

  it('rejects corrupted proofs (the probes of the CT verifier tests)', () => {
    const t = ctTree();
    const some = fromHex('abacaba000000000000000000000000000000000000000000060061e00123456');
    for (const [index, size, p] of CT_INCLUSION) {
      const proof = p.map(fromHex);
      const root = fromHex(CT_ROOTS[size - 1]);
      const leaf = t.leaf(index);
      const wrong: [number, number, Uint8Array, Uint8Array[], Uint8Array][] = [
        [index - 1, size, leaf, proof, root],
        [index + 1, size, leaf, proof, root],
        [index ^ 2, size, leaf, proof, root],
        [index, size * 2, leaf, proof, root],
        [index, Math.floor(size / 2), leaf, proof, root],
        [index, size, leafHash(new TextEncoder().encode('WrongLeaf')), proof, root],
        [index, size, leaf, proof, EMPTY_ROOT],
        [index, size, leaf, proof, some],
        [index, size, leaf, [...proof, root], root],
        [index, size, leaf, [root, ...proof], root],
        [index, size, leaf, proof.slice(0, -1), root],
      ];
      for (let i = 0; i < proof.length; i++) {
        const flipped = proof.map((x) => x.slice());
        flipped[i][0] ^= 8;
        wrong.push([index, size, leaf, flipped, root]);
      }
      for (const [i, s, l, pr, r] of wrong) expect(verifyInclusion(i, s, l, pr, r), `${i}/${s}`).toBe(false);
    }
    for (const [m, n, p] of CT_CONSISTENCY.filter(([, , p]) => p.length > 0)) {
      const proof = p.map(fromHex);
      const r1 = fromHex(CT_ROOTS[m - 1]);
      const r2 = fromHex(CT_ROOTS[n - 1]);
      const wrong: [number, number, Uint8Array, Uint8Array, Uint8Array[]][] = [
        [m - 1, n, r1, r2, proof],
        [m + 1, n, r1, r2, proof],
        [m ^ 2, n, r1, r2, proof],
        [m, n * 2, r1, r2, proof],
        [m, Math.floor(n / 2), r1, r2, proof],
        [m, n, some, r2, proof],
        [m, n, r1, some, proof],
        [m, n, r2, r1, proof],
        [m, n, r1, r2, []],
        [m, n, r1, r2, [...proof, r1]],
        [m, n, r1, r2, [...proof, r2]],
        [m, n, r1, r2, [r1, ...proof]],
        [m, n, r1, r2, [r2, ...proof]],
        [m, n, r1, r2, [proof[0], ...proof]],
        [m, n, r1, r2, proof.slice(0, -1)],
      ];
      for (let i = 0; i < proof.length; i++) {
        const flipped = proof.map((x) => x.slice());
        flipped[i][0] ^= 16;
        wrong.push([m, n, r1, r2, flipped]);
      }
      for (const [a, b, x, y, pr] of wrong)
        expect(verifyConsistency(a, b, x, y, pr), `${a}->${b}`).toBe(false);
    }
    // The trivial cases the RFC leaves to the caller.
    expect(verifyConsistency(0, 5, EMPTY_ROOT, some, [])).toBe(true);
    expect(verifyConsistency(0, 5, EMPTY_ROOT, some, [some])).toBe(false);
    expect(verifyConsistency(3, 3, some, some, [])).toBe(true);
    expect(verifyConsistency(3, 3, some, EMPTY_ROOT, [])).toBe(false);
    expect(verifyConsistency(4, 3, some, some, [])).toBe(false);
  });
});

describe('against the RFC definitions on every tree size 1-300', () => {
  const N = 300;
  // Leaf data of varying length, as entries have.
  const data = Array.from(
    { length: N },
    (_, i) => new Uint8Array(Array.from({ length: (i % 7) + 1 }, (_, j) => (i + j) & 255)),
  );
  const ref = makeReference(data);
  const tree = new MerkleTree();
  const compact = new CompactRange();
  for (const d of data) {
    tree.push(leafHash(d));
    compact.push(leafHash(d));
  }

  it('roots: incremental tree, compact range and MTH agree for every size', () => {
    const c = new CompactRange();
    for (let n = 1; n <= N; n++) {
      c.push(leafHash(data[n - 1]));
      const want = toHex(ref.mth(0, n));
      expect(toHex(tree.root(n)), `size ${n}`).toBe(want);
      expect(toHex(c.root()), `size ${n}`).toBe(want);
      expect(toHex(tree.compactRange(n).root())).toBe(want);
    }
    expect(toHex(compact.root())).toBe(toHex(ref.mth(0, N)));
  });

  it('inclusion proofs: equal to PATH and accepted by the §2.1.3.2 verifier for every leaf of every size', () => {
    for (let n = 1; n <= N; n++) {
      const root = ref.mth(0, n);
      for (let m = 0; m < n; m++) {
        const proof = tree.inclusionProof(m, n);
        const want = ref.path(m, 0, n);
        expect(proof.length).toBe(want.length);
        for (let i = 0; i < want.length; i++)
          if (toHex(proof[i]) !== toHex(want[i])) expect.fail(`PATH(${m}, ${n})[${i}]`);
        const r = rootFromInclusionProof(m, n, refLeaf(data[m]), proof);
        if (r === undefined || toHex(r) !== toHex(root)) expect.fail(`inclusion ${m}/${n} does not verify`);
      }
      // A proof for one leaf must not verify another.
      if (n > 1) expect(verifyInclusion(0, n, refLeaf(data[1]), tree.inclusionProof(0, n), root)).toBe(false);
    }
  });

  it('consistency proofs: equal to PROOF and accepted by the §2.1.4.2 verifier for every pair of sizes', () => {
    for (let n = 1; n <= N; n++) {
      const second = ref.mth(0, n);
      for (let m = 1; m <= n; m++) {
        const proof = tree.consistencyProof(m, n);
        const want = m === n ? [] : ref.proof(m, n);
        expect(proof.length).toBe(want.length);
        for (let i = 0; i < want.length; i++)
          if (toHex(proof[i]) !== toHex(want[i])) expect.fail(`PROOF(${m}, ${n})[${i}]`);
        if (!verifyConsistency(m, n, ref.mth(0, m), second, proof))
          expect.fail(`consistency ${m}->${n} does not verify`);
      }
      // The proof between two sizes does not vouch for another first root.
      if (n > 2)
        expect(verifyConsistency(2, n, ref.mth(0, 1), second, tree.consistencyProof(2, n))).toBe(false);
    }
  });
});
