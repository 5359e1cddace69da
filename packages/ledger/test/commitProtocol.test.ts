/**
 * The commit protocol and catch-up among three nodes in one process, over an
 * in-memory queue network with the send/recv shape of the transport (and
 * faults: dropped and altered frames, a silent peer).
 */
import { hasCode, Timeout } from '@parley/interface';
import {
  type CatchUpSource,
  type CommitPeers,
  catchUp,
  decodeCommitMessage,
  encodeCommitMessage,
  Ledger,
  LedgerCommitter,
  type LedgerEntryInput,
  type LedgerSigner,
  type LocalJobView,
  ledgerCatchUpSource,
  MemoryStore,
  requestCatchUp,
  serveCatchUp,
  verifyLedger,
  verifyReceipt,
} from '@parley/ledger';
import { describe, expect, it } from 'vitest';
import { makeConsortium, makeEntry } from './helpers.js';

type Fault = (from: string, to: string, frame: Uint8Array) => Uint8Array | undefined;

/** In-process channels between members: one FIFO queue per (from, to). */
class QueueNetwork {
  private readonly queues = new Map<string, { frames: Uint8Array[]; waiting: ((b: Uint8Array) => void)[] }>();
  /** Applied to every frame; returning undefined drops it. */
  fault: Fault | undefined;

  private q(from: string, to: string) {
    const k = `${from}->${to}`;
    let q = this.queues.get(k);
    if (!q) {
      q = { frames: [], waiting: [] };
      this.queues.set(k, q);
    }
    return q;
  }

  peers(self: string): CommitPeers {
    return {
      self,
      send: (to, bytes) => {
        const b = this.fault ? this.fault(self, to, bytes) : bytes;
        if (b === undefined) return;
        const q = this.q(self, to);
        const w = q.waiting.shift();
        if (w) w(b);
        else q.frames.push(b);
      },
      recv: (from, opts) =>
        new Promise((resolve, reject) => {
          const q = this.q(from, self);
          const f = q.frames.shift();
          if (f) return resolve(f);
          const timer = setTimeout(() => {
            q.waiting.splice(q.waiting.indexOf(deliver), 1);
            reject(
              new Timeout(`${self}: no message from ${from} within ${opts?.timeoutMs} ms`, { party: from }),
            );
          }, opts?.timeoutMs ?? 1000);
          const deliver = (b: Uint8Array): void => {
            clearTimeout(timer);
            resolve(b);
          };
          q.waiting.push(deliver);
        }),
    };
  }
}

function viewOf(e: LedgerEntryInput, self: string): LocalJobView {
  const v: LocalJobView = {
    computationId: e.computationId,
    parties: e.parties,
    outputHashes: e.outputHashes,
    transcriptHash: e.transcriptHash,
    outcome: e.outcome,
  };
  if (e.inputCommitments[self] !== undefined) v.inputCommitment = e.inputCommitments[self];
  return v;
}

interface TestNode {
  name: string;
  ledger: Ledger;
  jobs: Map<string, LocalJobView>;
  committer: LedgerCommitter;
}

async function network(timeoutMs = 2000, signerFor?: (s: LedgerSigner) => LedgerSigner) {
  const { consortium, signers } = makeConsortium(3);
  const net = new QueueNetwork();
  const nodes: TestNode[] = [];
  for (const s of signers) {
    const ledger = await Ledger.open(new MemoryStore(), consortium);
    const jobs = new Map<string, LocalJobView>();
    const committer = new LedgerCommitter({
      ledger,
      signer: signerFor ? signerFor(s) : s,
      peers: net.peers(s.name),
      jobs: (id) => jobs.get(id),
      timeoutMs,
    });
    nodes.push({ name: s.name, ledger, jobs, committer });
  }
  /** Every node records the jobs (its own view), as the nodes would after computing them. */
  const record = (entries: LedgerEntryInput[]): void => {
    for (const n of nodes) for (const e of entries) n.jobs.set(e.jobId, viewOf(e, n.name));
  };
  /** One round: `proposer` proposes, the others follow. Settled results by node name. */
  const round = async (proposer: number, entries: LedgerEntryInput[]) => {
    const p = nodes[proposer];
    const runs = nodes.map((n) => (n === p ? n.committer.propose(entries) : n.committer.follow(p.name)));
    const settled = await Promise.allSettled(runs);
    return Object.fromEntries(nodes.map((n, i) => [n.name, settled[i]]));
  };
  return { consortium, signers, net, nodes, record, round };
}

const hexRoot = (l: Ledger): string => Buffer.from(l.root()).toString('hex');

describe('commit protocol', () => {
  it('commits batches on every node with one co-signed head; any proposer; receipts verify', async () => {
    const { consortium, nodes, record, round } = await network();
    let next = 0;
    for (const proposer of [0, 1, 2, 0]) {
      const batch = [makeEntry(next++), makeEntry(next++)];
      record(batch);
      const r = await round(proposer, batch);
      for (const n of nodes) expect(r[n.name].status, n.name).toBe('fulfilled');
      const res = (r.bankA as PromiseFulfilledResult<{ unacknowledged: string[] }>).value;
      if (proposer === 0) expect(res.unacknowledged).toEqual([]);
    }
    for (const n of nodes) {
      expect(n.ledger.size).toBe(8);
      expect(hexRoot(n.ledger)).toBe(hexRoot(nodes[0].ledger));
      expect((await verifyLedger(n.ledger.store, consortium)).ok).toBe(true);
    }
    const receipt = await nodes[2].ledger.receipt(5);
    expect(verifyReceipt(receipt, consortium).ok).toBe(true);
    expect(Object.keys(receipt.treeHead.signatures).sort()).toEqual(['bankA', 'bankB', 'bankC']);
  });

  it("refuses everywhere a commit where one node's view differs; nothing is appended anywhere", async () => {
    const { nodes, record, round } = await network();
    const batch = [makeEntry(0), makeEntry(1)];
    record(batch);
    // bankC saw another output for job-1.
    nodes[2].jobs.set('job-1', { ...viewOf(batch[1], 'bankC'), outputHashes: { score: 'b'.repeat(64) } });
    const r = await round(0, batch);
    for (const n of nodes) {
      const s = r[n.name];
      expect(s.status, n.name).toBe('rejected');
      const e = (s as PromiseRejectedResult).reason;
      expect(hasCode(e, 'LEDGER_COMMIT_REFUSED'), String(e)).toBe(true);
      expect(e.message).toMatch(/bankC refused: entry 1: job job-1: the hash of output "score" differs/);
      expect(n.ledger.size).toBe(0);
    }
    // Other disagreements: bankB's own input commitment, and a job bankA has no record of.
    nodes[2].jobs.set('job-1', viewOf(batch[1], 'bankC'));
    nodes[1].jobs.set('job-0', { ...viewOf(batch[0], 'bankB'), inputCommitment: 'c'.repeat(64) });
    let r2 = await round(0, batch);
    expect((r2.bankC as PromiseRejectedResult).reason.message).toMatch(
      /bankB refused: .*bankB's input commitment differs/,
    );
    nodes[1].jobs.set('job-0', viewOf(batch[0], 'bankB'));
    const unknown = [makeEntry(7)];
    r2 = await round(0, unknown);
    expect((r2.bankB as PromiseRejectedResult).reason.message).toMatch(
      /bankA refused: .*bankA has no record of job job-7/,
    );
    for (const n of nodes) expect(n.ledger.size).toBe(0);
    // The channels are clean afterwards: the agreed batch commits.
    const ok = await round(1, batch);
    for (const n of nodes) expect(ok[n.name].status).toBe('fulfilled');
    for (const n of nodes) expect(n.ledger.size).toBe(2);
    // A job goes on the ledger once: bankB noted job-0's entry, and refuses it a second time.
    nodes[1].jobs.set('job-0', { ...viewOf(batch[0], 'bankB'), recordedSeq: 0 });
    const again = await round(0, [batch[0]]);
    expect((again.bankA as PromiseRejectedResult).reason.message).toMatch(
      /bankB refused: .*job job-0 is on the ledger already \(entry 0\)/,
    );
    for (const n of nodes) expect(n.ledger.size).toBe(2);
  });

  it('aborts everywhere on a bad signature or an altered proposal', async () => {
    // bankB signs with a key that is not the one in the consortium.
    const bad = await network(2000, (s) =>
      s.name === 'bankB' ? { name: s.name, secretKey: new Uint8Array(32).fill(42) } : s,
    );
    const batch = [makeEntry(0)];
    bad.record(batch);
    const r = await bad.round(0, batch);
    for (const n of bad.nodes) {
      const e = (r[n.name] as PromiseRejectedResult).reason;
      expect(hasCode(e, 'SIGNATURE'), `${n.name}: ${e}`).toBe(true);
      expect(e.message).toMatch(/signature of bankB .* does not verify/);
      expect(n.ledger.size).toBe(0);
    }

    // The proposer itself holds a wrong key: it finds out before anyone appends.
    const badProposer = await network(2000, (s) =>
      s.name === 'bankA' ? { name: s.name, secretKey: new Uint8Array(32).fill(43) } : s,
    );
    badProposer.record(batch);
    const r1 = await badProposer.round(0, batch);
    for (const n of badProposer.nodes) {
      const e = (r1[n.name] as PromiseRejectedResult).reason;
      expect(hasCode(e, 'SIGNATURE'), `${n.name}: ${e}`).toBe(true);
      expect(n.ledger.size).toBe(0);
    }

    // A proposal altered on its way to bankC (another root): bankC computes its own and refuses.
    const t = await network();
    t.record(batch);
    t.net.fault = (_from, to, frame) => {
      const m = decodeCommitMessage(frame);
      if (to === 'bankC' && m.t === 'propose') return encodeCommitMessage({ ...m, root: new Uint8Array(32) });
      return frame;
    };
    const r2 = await t.round(0, batch);
    for (const n of t.nodes) {
      const e = (r2[n.name] as PromiseRejectedResult).reason;
      expect(e.message, n.name).toMatch(/bankC refused: the proposed head's root is not the root/);
      expect(n.ledger.size).toBe(0);
    }
  });

  it('a silent node ends the round with Timeout on every node', async () => {
    const { nodes, record } = await network(300);
    const batch = [makeEntry(0)];
    record(batch);
    // bankC is down: only A and B run.
    const [a, b] = await Promise.allSettled([
      nodes[0].committer.propose(batch),
      nodes[1].committer.follow('bankA'),
    ]);
    for (const s of [a, b]) {
      expect(s.status).toBe('rejected');
      expect(hasCode((s as PromiseRejectedResult).reason, 'TIMEOUT')).toBe(true);
    }
    expect(nodes[0].ledger.size + nodes[1].ledger.size).toBe(0);
  });

  it('a node that missed a commit is refused until it catches up over the peers channel', async () => {
    const { consortium, nodes, net, record, round } = await network(300);
    const b1 = [makeEntry(0), makeEntry(1)];
    const b2 = [makeEntry(2)];
    const b3 = [makeEntry(3)];
    record([...b1, ...b2, ...b3]);
    await round(0, b1);
    // bankC signs round 2 but crashes before the commit reaches it.
    net.fault = (_from, to, frame) =>
      to === 'bankC' && decodeCommitMessage(frame).t === 'commit' ? undefined : frame;
    const r2 = await round(0, b2);
    net.fault = undefined;
    expect(hasCode((r2.bankC as PromiseRejectedResult).reason, 'TIMEOUT')).toBe(true);
    expect((r2.bankA as PromiseFulfilledResult<{ unacknowledged: string[] }>).value.unacknowledged).toEqual([
      'bankC',
    ]);
    expect([nodes[0].ledger.size, nodes[1].ledger.size, nodes[2].ledger.size]).toEqual([3, 3, 2]);

    // Until it catches up, bankC refuses: the proposal extends a log it does not have.
    const r3 = await round(1, b3);
    expect((r3.bankA as PromiseRejectedResult).reason.message).toMatch(
      /bankC refused: .*must catch up first/,
    );

    // Catch-up from bankB over the same channels, verified before appending.
    const [got] = await Promise.all([
      catchUp(nodes[2].ledger, requestCatchUp(net.peers('bankC'), 'bankB')),
      serveCatchUp(nodes[1].ledger, net.peers('bankB'), 'bankC'),
    ]);
    expect(got.appended).toBe(1);
    expect(hexRoot(nodes[2].ledger)).toBe(hexRoot(nodes[1].ledger));
    const r4 = await round(1, b3);
    for (const n of nodes) expect(r4[n.name].status).toBe('fulfilled');
    for (const n of nodes) expect((await verifyLedger(n.ledger.store, consortium)).ok).toBe(true);
  });
});

describe('catch-up', () => {
  async function source(batches: number[], firstJob = 0) {
    const { consortium, signers } = makeConsortium(3);
    const ledger = await Ledger.open(new MemoryStore(), consortium);
    let i = firstJob;
    for (const n of batches)
      await ledger.append(
        Array.from({ length: n }, () => makeEntry(i++)),
        signers,
      );
    return { consortium, signers, ledger };
  }

  it('brings an empty replica up to date in several fetches, verifying every head', async () => {
    const { consortium, ledger } = await source([3, 1, 4, 1, 5, 9, 2, 6]);
    const replica = await Ledger.open(new MemoryStore(), consortium);
    const fetches: number[] = [];
    const inner = ledgerCatchUpSource(ledger);
    const counting: CatchUpSource = {
      fetch: (have, max) => {
        fetches.push(have);
        return inner.fetch(have, max);
      },
    };
    const got = await catchUp(replica, counting, { maxEntries: 7 });
    expect(got.appended).toBe(31);
    // Heads at 3 4 8 9 14 23 25 31: at least one head per fetch, then as many as fit in 7 entries.
    expect(fetches).toEqual([0, 4, 9, 14, 23, 25, 31]);
    expect(hexRoot(replica)).toBe(hexRoot(ledger));
    expect((await verifyLedger(replica.store, consortium)).heads).toBe(8);
  });

  it('refuses a lying source and appends nothing from it', async () => {
    const { consortium, ledger } = await source([2, 2, 2]);
    const good = ledgerCatchUpSource(ledger);
    const replica = await Ledger.open(new MemoryStore(), consortium);
    await catchUp(replica, { fetch: async (have) => good.fetch(have, 2) }, { maxEntries: 2 });
    expect(replica.size).toBe(6);
    await ledger.append([makeEntry(100), makeEntry(101)], makeConsortium(3).signers);

    const lies: [string, (b: Awaited<ReturnType<CatchUpSource['fetch']>>) => void, string, RegExp][] = [
      [
        'bad signature',
        (b) => (b.heads[0].signatures.bankB = b.heads[0].signatures.bankA),
        'SIGNATURE',
        /bankB/,
      ],
      ['altered entry', (b) => (b.entries[1] = b.entries[0]), 'LEDGER_TAMPERED', /entries 6-7/],
      [
        'bad consistency proof',
        (b) => (b.proofs[0][0] = new Uint8Array(32)),
        'LEDGER_TAMPERED',
        /not consistent/,
      ],
    ];
    for (const [what, lie, code, why] of lies) {
      const src: CatchUpSource = {
        fetch: async (have, max) => {
          const b = await good.fetch(have, max);
          const copy = {
            heads: b.heads.map((h) => ({ ...h, signatures: { ...h.signatures } })),
            entries: [...b.entries],
            proofs: b.proofs.map((p) => [...p]),
          };
          lie(copy);
          return copy;
        },
      };
      const e = await catchUp(replica, src).then(
        () => undefined,
        (x) => x,
      );
      expect(hasCode(e, code), `${what}: ${e}`).toBe(true);
      expect(e.message, what).toMatch(why);
      expect(replica.size, what).toBe(6);
    }

    // A forked history: validly co-signed, but not an extension of this replica's log.
    const fork = await source([2, 2, 1, 3], 1000);
    const e = await catchUp(replica, ledgerCatchUpSource(fork.ledger)).then(
      () => undefined,
      (x) => x,
    );
    expect(hasCode(e, 'LEDGER_TAMPERED'), String(e)).toBe(true);
    expect(replica.size).toBe(6);
    // And the honest source still works.
    expect((await catchUp(replica, good)).appended).toBe(2);
  });
});
