/**
 * A node's replica of the shared log: a LedgerStore plus the in-memory RFC
 * 9162 Merkle tree of its leaves. It prepares batches (entries + the head that
 * covers them), checks batches proposed by others, and appends a batch only
 * with the signatures of every consortium member on its head, durably (the
 * store syncs before `commit` resolves). It also serves receipts and the
 * proofs catch-up needs. Appends are serialised by the caller (one commit at a
 * time); a batch prepared against an older size is refused.
 */

import { constantTimeEqual } from '@parley/crypto';
import type { Consortium } from '@parley/interface';
import { InternalError, InvalidArgument, LedgerTampered, NotFound, SignatureError } from '@parley/interface';
import { consortiumKeys } from './consortium.js';
import { decodeEntry, encodeEntry, type LedgerEntry, type LedgerEntryInput } from './entry.js';
import { leafHash } from './merkle.js';
import { MerkleTree } from './merkleTree.js';
import { buildReceipt, type ReceiptJSON } from './receipt.js';
import type { EntryRecord, LedgerStore } from './store.js';
import { type SignedTreeHead, signTreeHead, type TreeHead, treeHeadProblems } from './treeHead.js';

/** A member's signing identity. */
export interface LedgerSigner {
  name: string;
  secretKey: Uint8Array;
}

/** A batch ready to be signed: the entries and the head that covers them. */
export interface PreparedAppend {
  baseSize: number;
  records: EntryRecord[];
  head: TreeHead;
}

const PAGE = 10_000;
/** Most entries in one batch (one proposal). */
export const MAX_BATCH_ENTRIES = 10_000;

export class Ledger {
  private readonly tree = new MerkleTree();
  private head: SignedTreeHead | undefined;
  private poisoned: Error | undefined;

  private constructor(
    readonly store: LedgerStore,
    readonly consortium: Consortium,
  ) {}

  /**
   * Loads the stored leaf hashes and checks the latest head against them (its
   * root, its size and every signature). A store that fails this is refused
   * with LedgerTampered; `verifyLedger` says what exactly is wrong.
   */
  static async open(store: LedgerStore, consortium: Consortium): Promise<Ledger> {
    consortiumKeys(consortium);
    const ledger = new Ledger(store, consortium);
    const tree = ledger.tree;
    for (;;) {
      const page = await store.readLeafHashes(tree.size, PAGE);
      for (const { seq, leafHash: h } of page) {
        if (seq !== tree.size) {
          throw new LedgerTampered(
            `${store.description}: entry ${tree.size} is missing (next stored is ${seq})`,
            {
              seq: tree.size,
            },
          );
        }
        if (!(h instanceof Uint8Array) || h.length !== 32) {
          throw new LedgerTampered(`${store.description}: entry ${seq} has a malformed leaf hash`, { seq });
        }
        tree.push(h);
      }
      if (page.length < PAGE) break;
    }
    const head = await store.latestHead();
    if (head === undefined) {
      if (tree.size > 0) {
        throw new LedgerTampered(
          `${store.description}: entries 0-${tree.size - 1} are not covered by a tree head`,
          {
            seq: 0,
          },
        );
      }
    } else {
      if (head.malformed !== undefined && head.malformed.length > 0) {
        throw new LedgerTampered(
          `${store.description}: latest tree head (size ${head.size}): ${head.malformed.join('; ')}`,
          { seq: Math.max(0, Math.min(head.size, tree.size) - 1) },
        );
      }
      if (head.size !== tree.size) {
        const seq = Math.min(head.size, tree.size);
        throw new LedgerTampered(
          `${store.description}: the latest tree head covers ${head.size} entries but ${tree.size} are stored`,
          { seq },
        );
      }
      if (!constantTimeEqual(tree.root(), head.root)) {
        throw new LedgerTampered(
          `${store.description}: the latest tree head's root does not match the entries`,
          {
            seq: head.size - 1,
          },
        );
      }
      const problems = treeHeadProblems(head, consortium);
      if (problems.length > 0) {
        throw new LedgerTampered(`${store.description}: latest tree head: ${problems.join('; ')}`, {
          seq: head.size - 1,
        });
      }
      ledger.head = head;
    }
    return ledger;
  }

  get size(): number {
    return this.tree.size;
  }

  /** The latest co-signed head, if any. */
  get latestHead(): SignedTreeHead | undefined {
    return this.head;
  }

  /** MTH of the first `size` entries (default all). */
  root(size = this.tree.size): Uint8Array {
    return this.tree.root(size);
  }

  private usable(): void {
    if (this.poisoned) {
      throw new InternalError(`ledger ${this.store.description} failed to append and must be reopened`, {
        cause: this.poisoned,
      });
    }
  }

  /** The next head's timestamp: now, but never before the previous head's. */
  private nextTimestamp(now: number): number {
    return Math.max(Math.floor(now), this.head?.timestamp ?? 0);
  }

  /** Numbers the inputs from the current size and builds the head that would cover them. */
  prepare(inputs: readonly LedgerEntryInput[], now = Date.now()): PreparedAppend {
    this.usable();
    if (inputs.length === 0 || inputs.length > MAX_BATCH_ENTRIES) {
      throw new InvalidArgument(`a batch holds 1 to ${MAX_BATCH_ENTRIES} entries`, { field: 'entries' });
    }
    const base = this.tree.size;
    const range = this.tree.compactRange();
    const records: EntryRecord[] = inputs.map((input, i) => {
      const entry = { ...input, seq: base + i } as LedgerEntry;
      const bytes = encodeEntry(entry);
      const h = leafHash(bytes);
      range.push(h);
      return { seq: entry.seq, bytes, leafHash: h, entry: decodeEntry(bytes) };
    });
    return {
      baseSize: base,
      records,
      head: { size: range.size, root: range.root(), timestamp: this.nextTimestamp(now) },
    };
  }

  /**
   * Checks a batch another node proposed: canonical entries numbered from this
   * replica's size, and a head whose size and root are what this replica
   * computes. Throws InvalidInput / LedgerTampered naming the problem.
   */
  checkProposal(baseSize: number, entryBytes: readonly Uint8Array[], head: TreeHead): PreparedAppend {
    this.usable();
    if (baseSize !== this.tree.size) {
      throw new InvalidArgument(
        `the proposal extends a log of ${baseSize} entries but this replica has ${this.tree.size}` +
          (baseSize > this.tree.size ? ' (this node must catch up first)' : ''),
        { field: 'baseSize', seq: Math.min(baseSize, this.tree.size) },
      );
    }
    if (entryBytes.length === 0 || entryBytes.length > MAX_BATCH_ENTRIES) {
      throw new InvalidArgument(`a batch holds 1 to ${MAX_BATCH_ENTRIES} entries`, { field: 'entries' });
    }
    const range = this.tree.compactRange();
    const records = entryBytes.map((bytes, i) => {
      const entry = decodeEntry(bytes);
      if (entry.seq !== baseSize + i) {
        throw new InvalidArgument(`entry ${entry.seq} is proposed at position ${baseSize + i}`, {
          seq: baseSize + i,
        });
      }
      const h = leafHash(bytes);
      range.push(h);
      return { seq: entry.seq, bytes, leafHash: h, entry };
    });
    if (head.size !== range.size) {
      throw new InvalidArgument(`the proposed head covers ${head.size} entries, not ${range.size}`, {
        field: 'size',
      });
    }
    if (!(head.root instanceof Uint8Array) || !constantTimeEqual(head.root, range.root())) {
      throw new InvalidArgument(
        `the proposed head's root is not the root of this log plus the proposed entries`,
        {
          field: 'root',
          seq: baseSize,
        },
      );
    }
    if (!Number.isSafeInteger(head.timestamp) || head.timestamp < (this.head?.timestamp ?? 0)) {
      throw new InvalidArgument('the proposed head is older than the latest head', { field: 'timestamp' });
    }
    return { baseSize, records, head: { size: head.size, root: head.root, timestamp: head.timestamp } };
  }

  /**
   * Appends a prepared batch durably once every member has signed its head.
   * Throws SignatureError (nothing appended) when a signature is missing, bad
   * or from a non-member.
   */
  async commit(prepared: PreparedAppend, signatures: Record<string, Uint8Array>): Promise<SignedTreeHead> {
    this.usable();
    if (prepared.baseSize !== this.tree.size) {
      throw new InvalidArgument(
        `the batch was prepared for a log of ${prepared.baseSize} entries; this one has ${this.tree.size}`,
      );
    }
    const head: SignedTreeHead = { ...prepared.head, signatures: { ...signatures } };
    const problems = treeHeadProblems(head, this.consortium);
    if (problems.length > 0) {
      throw new SignatureError(`tree head of size ${head.size}: ${problems.join('; ')}`, {
        seq: head.size - 1,
      });
    }
    try {
      await this.store.append(prepared.records, head);
    } catch (e) {
      // The store refused or failed: it may have changed under this replica (another writer) or be
      // in an unknown state (a lost connection after COMMIT). Either way the tree can no longer be trusted.
      this.poisoned = e as Error;
      throw e;
    }
    for (const r of prepared.records) this.tree.push(r.leafHash);
    this.head = head;
    return head;
  }

  /**
   * Prepares, signs with every given member and commits: for a consortium
   * whose keys are all in this process (tests, tools, benchmarks). Nodes use
   * the commit protocol instead.
   */
  async append(
    inputs: readonly LedgerEntryInput[],
    signers: readonly LedgerSigner[],
    now = Date.now(),
  ): Promise<{ head: SignedTreeHead; entries: LedgerEntry[] }> {
    const prepared = this.prepare(inputs, now);
    const signatures: Record<string, Uint8Array> = {};
    for (const s of signers) signatures[s.name] = signTreeHead(prepared.head, s.secretKey);
    const head = await this.commit(prepared, signatures);
    return { head, entries: prepared.records.map((r) => r.entry) };
  }

  /** The stored entry `seq` (its bytes re-checked against the in-memory leaf hash). */
  async entryBytes(seq: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(seq) || seq < 0 || seq >= this.tree.size) {
      throw new NotFound(`entry ${seq} is not in the ledger (size ${this.tree.size})`, { seq });
    }
    const row = await this.store.readEntry(seq);
    if (row === undefined)
      throw new LedgerTampered(`entry ${seq} is missing from ${this.store.description}`, { seq });
    if (!constantTimeEqual(leafHash(row.bytes), this.tree.leaf(seq))) {
      throw new LedgerTampered(`entry ${seq}: the stored bytes do not match the log's leaf hash`, { seq });
    }
    return row.bytes;
  }

  async entry(seq: number): Promise<LedgerEntry> {
    return decodeEntry(await this.entryBytes(seq));
  }

  /** A receipt for entry `seq` against the latest co-signed head. */
  async receipt(seq: number): Promise<ReceiptJSON> {
    const head = this.head;
    if (head === undefined || seq >= head.size)
      throw new NotFound(`entry ${seq} is not in the ledger`, { seq });
    const bytes = await this.entryBytes(seq);
    return buildReceipt(bytes, decodeEntry(bytes), this.tree.inclusionProof(seq, head.size), head);
  }

  /** RFC 9162 §2.1.3.1 audit path of entry `seq` in the tree of `size` entries. */
  inclusionProof(seq: number, size = this.tree.size): Uint8Array[] {
    return this.tree.inclusionProof(seq, size);
  }

  /** RFC 9162 §2.1.4.1 proof that the tree of `first` entries is a prefix of the one of `second`. */
  consistencyProof(first: number, second = this.tree.size): Uint8Array[] {
    return this.tree.consistencyProof(first, second);
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
