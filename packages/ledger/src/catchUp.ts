/**
 * Catch-up of a replica that missed commits (it was down, or it crashed after
 * signing). It fetches, from any other replica, the co-signed heads after its
 * own size, the entries they cover and an RFC 9162 §2.1.4 consistency proof
 * from its current tree to each head. For each head, before appending
 * anything, it checks that every member signed the head, that the proof shows
 * the head extends this replica's own log (a fork or a rewritten history is
 * refused with LedgerTampered), and that the fetched entries, appended to its
 * own log, give exactly the head's root. Only then does it append the entries
 * and the head, durably. The source is not trusted at all.
 */
import { LedgerTampered, ParleyError, ProtocolViolation } from '@parley/interface';
import {
  type CommitMessage,
  decodeCommitMessage,
  encodeCommitMessage,
  MAX_CATCH_UP_ENTRIES,
} from './commitMessages.js';
import type { CommitPeers } from './commitProtocol.js';
import type { Ledger } from './ledger.js';
import { verifyConsistency } from './merkle.js';
import { assertTreeHeadSigned, type SignedTreeHead } from './treeHead.js';

/** What a source returns for a replica of `haveSize` entries. */
export interface CatchUpBatch {
  /** Co-signed heads with size > haveSize, ascending. Empty when the replica is up to date. */
  heads: SignedTreeHead[];
  /** Entry bytes from haveSize up to the last head's size. */
  entries: Uint8Array[];
  /** proofs[i]: consistency proof from the previous size (haveSize, then heads[i-1].size) to heads[i].size. */
  proofs: Uint8Array[][];
}

export interface CatchUpSource {
  fetch(haveSize: number, maxEntries: number): Promise<CatchUpBatch>;
}

/** Serves catch-up batches from a local replica (the side that answers requests). */
export function ledgerCatchUpSource(ledger: Ledger): CatchUpSource {
  return {
    async fetch(haveSize, maxEntries) {
      const empty: CatchUpBatch = { heads: [], entries: [], proofs: [] };
      if (!Number.isSafeInteger(haveSize) || haveSize < 0 || haveSize >= ledger.size) return empty;
      const limit = Math.max(1, Math.min(maxEntries, MAX_CATCH_UP_ENTRIES));
      const candidates = await ledger.store.readHeads(haveSize + 1, 1000);
      const heads: SignedTreeHead[] = [];
      for (const h of candidates) {
        if (h.size > ledger.size) break;
        // At least one head, however many entries it covers; then as many as fit.
        if (heads.length > 0 && h.size - haveSize > limit) break;
        heads.push(h);
      }
      if (heads.length === 0) return empty;
      const end = heads[heads.length - 1].size;
      const entries: Uint8Array[] = [];
      let seq = haveSize;
      while (seq < end) {
        const page = await ledger.store.readEntries(seq, Math.min(5000, end - seq));
        // A gap in this replica: send what there is; the receiver refuses an incomplete batch.
        if (page.length === 0 || page[0].seq !== seq) break;
        for (const row of page) {
          if (row.seq !== seq) break;
          entries.push(row.bytes);
          seq++;
        }
      }
      const proofs: Uint8Array[][] = [];
      let from = haveSize;
      for (const h of heads) {
        proofs.push(ledger.consistencyProof(from, h.size));
        from = h.size;
      }
      return { heads, entries, proofs };
    },
  };
}

/**
 * Brings `ledger` up to the source's latest head, verifying each head before
 * appending its entries. Returns how many entries were appended. Throws
 * SignatureError (a head not signed by every member) or LedgerTampered (a
 * head that does not extend this log, or entries that do not give its root);
 * heads verified before the bad one stay appended, nothing after it is.
 */
export async function catchUp(
  ledger: Ledger,
  source: CatchUpSource,
  options: { maxEntries?: number } = {},
): Promise<{ appended: number; head: SignedTreeHead | undefined }> {
  const maxEntries = options.maxEntries ?? MAX_CATCH_UP_ENTRIES;
  const start = ledger.size;
  for (;;) {
    const have = ledger.size;
    const batch = await source.fetch(have, maxEntries);
    if (batch.heads.length === 0) break;
    if (batch.proofs.length !== batch.heads.length) {
      throw new ProtocolViolation(`catch-up: ${batch.heads.length} heads but ${batch.proofs.length} proofs`);
    }
    let pos = 0;
    for (let i = 0; i < batch.heads.length; i++) {
      const head = batch.heads[i];
      const size = ledger.size;
      if (!Number.isSafeInteger(head.size) || head.size <= size) {
        throw new ProtocolViolation(
          `catch-up: a head of size ${head.size} does not extend this log of ${size}`,
        );
      }
      assertTreeHeadSigned(head, ledger.consortium);
      if (!verifyConsistency(size, head.size, ledger.root(), head.root, batch.proofs[i])) {
        throw new LedgerTampered(
          `catch-up: the co-signed head of size ${head.size} is not consistent with this replica's log of ${size} entries ` +
            '(the histories differ)',
          { seq: size },
        );
      }
      const count = head.size - size;
      const entries = batch.entries.slice(pos, pos + count);
      if (entries.length !== count) {
        throw new ProtocolViolation(`catch-up: ${entries.length} entries sent for a head that adds ${count}`);
      }
      let prepared: ReturnType<Ledger['checkProposal']>;
      try {
        prepared = ledger.checkProposal(size, entries, head);
      } catch (e) {
        if (e instanceof ParleyError && e.family === 'internal') throw e;
        throw new LedgerTampered(`catch-up: entries ${size}-${head.size - 1}: ${(e as Error).message}`, {
          seq: size,
        });
      }
      await ledger.commit(prepared, head.signatures);
      pos += count;
    }
  }
  return { appended: ledger.size - start, head: ledger.latestHead };
}

/** A CatchUpSource that asks member `from` over the peers channel (it runs `serveCatchUp`). */
export function requestCatchUp(
  peers: CommitPeers,
  from: string,
  options: { timeoutMs?: number } = {},
): CatchUpSource {
  return {
    async fetch(haveSize, maxEntries) {
      await peers.send(from, encodeCommitMessage({ t: 'catch-up-request', haveSize, maxEntries }));
      const m = decodeCommitMessage(await peers.recv(from, { timeoutMs: options.timeoutMs ?? 30_000 }));
      if (m.t !== 'catch-up-response') {
        throw new ProtocolViolation(`${from} answered a catch-up request with "${m.t}"`, { party: from });
      }
      return { heads: m.heads, entries: m.entries, proofs: m.proofs };
    },
  };
}

/**
 * Answers catch-up requests from member `to` until it stops asking (a
 * request that finds it up to date ends the exchange). Returns the number of
 * requests answered.
 */
export async function serveCatchUp(
  ledger: Ledger,
  peers: CommitPeers,
  to: string,
  options: { timeoutMs?: number } = {},
): Promise<number> {
  const source = ledgerCatchUpSource(ledger);
  for (let n = 1; ; n++) {
    const m = decodeCommitMessage(await peers.recv(to, { timeoutMs: options.timeoutMs ?? 30_000 }));
    if (m.t !== 'catch-up-request') {
      throw new ProtocolViolation(`${to} sent "${m.t}" where a catch-up request was expected`, { party: to });
    }
    const batch = await source.fetch(m.haveSize, m.maxEntries);
    const answer: CommitMessage = { t: 'catch-up-response', ...batch };
    await peers.send(to, encodeCommitMessage(answer));
    if (batch.heads.length === 0) return n;
  }
}
