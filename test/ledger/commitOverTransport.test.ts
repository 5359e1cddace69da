/**
 * The ledger's commit protocol over the real transport: three nodes with
 * their own identities, WebSocket over mutual TLS 1.3 on 127.0.0.1, one
 * transport session per commit round.
 */
import { type Consortium, hasCode } from '@parley/interface';
import {
  Ledger,
  LedgerCommitter,
  type LedgerEntryInput,
  type LocalJobView,
  MemoryStore,
  verifyLedger,
  verifyReceipt,
} from '@parley/ledger';
import { createIdentity, type Identity, identitySecretKey, WsEndpoint } from '@parley/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const NAMES = ['bankA', 'bankB', 'bankC'];
const hex = (c: string) => c.repeat(64);

function entry(i: number): LedgerEntryInput {
  return {
    jobId: `job-${i}`,
    computationId: hex('1'),
    parties: NAMES,
    inputCommitments: { bankA: hex('2'), bankB: hex('3'), bankC: hex('4') },
    outputHashes: { score: hex(String(5 + (i % 4))) },
    transcriptHash: hex('9'),
    outcome: 'succeeded',
    startedAt: 1_760_000_000_000 + i,
    finishedAt: 1_760_000_000_100 + i,
  };
}

function view(e: LedgerEntryInput, self: string): LocalJobView {
  return {
    computationId: e.computationId,
    parties: e.parties,
    outputHashes: e.outputHashes,
    transcriptHash: e.transcriptHash,
    outcome: e.outcome,
    inputCommitment: e.inputCommitments[self],
  };
}

interface Node {
  name: string;
  endpoint: WsEndpoint;
  ledger: Ledger;
  jobs: Map<string, LocalJobView>;
  identity: Identity;
}

let nodes: Node[] = [];
let consortium: Consortium;

beforeAll(async () => {
  const identities = await Promise.all(NAMES.map((n) => createIdentity(n)));
  const endpoints = await Promise.all(
    identities.map((identity) => WsEndpoint.listen({ identity, host: '127.0.0.1', port: 0 })),
  );
  consortium = {
    name: 'ledger-over-transport',
    parties: identities.map((id, i) => ({
      name: id.name,
      publicKey: id.publicKeyHex,
      address: endpoints[i].address,
    })),
  };
  await Promise.all(endpoints.map((e) => e.join(consortium)));
  nodes = await Promise.all(
    identities.map(async (identity, i) => ({
      name: identity.name,
      endpoint: endpoints[i],
      ledger: await Ledger.open(new MemoryStore(), consortium),
      jobs: new Map<string, LocalJobView>(),
      identity,
    })),
  );
});

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.endpoint.close()));
});

/** One commit round: every node opens the round's session; `proposer` proposes, the others follow. */
async function round(id: string, proposer: number, entries: LedgerEntryInput[]) {
  const p = nodes[proposer];
  return Promise.allSettled(
    nodes.map(async (n) => {
      const session = await n.endpoint.openSession(id, NAMES);
      const committer = new LedgerCommitter({
        ledger: n.ledger,
        signer: { name: n.name, secretKey: identitySecretKey(n.identity) },
        peers: {
          self: n.name,
          send: (to, b) => session.send(to, b),
          recv: (from, o) => session.recv(from, o),
        },
        jobs: (job) => n.jobs.get(job),
        timeoutMs: 10_000,
      });
      try {
        return n === p ? await committer.propose(entries) : await committer.follow(p.name);
      } finally {
        await session.close();
      }
    }),
  );
}

describe('ledger commit over TLS WebSocket', () => {
  it('commits on every node with a head signed by all; the receipt verifies offline', async () => {
    const batch = [entry(0), entry(1), entry(2)];
    for (const n of nodes) for (const e of batch) n.jobs.set(e.jobId, view(e, n.name));
    const results = await round('commit-1', 1, batch);
    for (const r of results) expect(r.status, String((r as PromiseRejectedResult).reason)).toBe('fulfilled');
    for (const n of nodes) {
      expect(n.ledger.size).toBe(3);
      expect((await verifyLedger(n.ledger.store, consortium)).ok).toBe(true);
    }
    const receipt = await nodes[0].ledger.receipt(2);
    expect(verifyReceipt(JSON.parse(JSON.stringify(receipt)), consortium).ok).toBe(true);
  });

  it("refuses everywhere when one node's record differs, and appends nothing", async () => {
    const batch = [entry(3)];
    for (const n of nodes) for (const e of batch) n.jobs.set(e.jobId, view(e, n.name));
    nodes[2].jobs.set('job-3', { ...view(batch[0], 'bankC'), outputHashes: { score: hex('f') } });
    const results = await round('commit-2', 0, batch);
    for (const [i, r] of results.entries()) {
      expect(r.status, nodes[i].name).toBe('rejected');
      expect(hasCode((r as PromiseRejectedResult).reason, 'LEDGER_COMMIT_REFUSED')).toBe(true);
      expect(nodes[i].ledger.size).toBe(3);
    }
  });
});
