/**
 * The offline verifier of a whole replica. In one pass over the stored rows
 * it re-derives every leaf hash from the entry bytes (RFC 9162 §2.1.1), folds
 * them into a compact range, and at each stored tree head compares the
 * recomputed root and checks every member's Ed25519 signature. Because every
 * head's root is recomputed from the same replayed log, consecutive heads are
 * consistent (RFC 9162 §2.1.4) exactly when all of them verify.
 *
 * Reported, each with the sequence number it concerns:
 *   an entry missing (a gap), bytes that do not decode canonically, an entry
 *   whose encoded seq differs from its row, a stored leaf hash or relational
 *   column that disagrees with the bytes, a head whose root does not match the
 *   entries, a missing / bad / foreign signature, heads out of time order,
 *   entries no head covers (a head replaced by an older one), heads beyond
 *   the end of the log (truncation), and disagreement with trusted heads
 *   (`anchors`: heads from receipts or other replicas, which also reveal a
 *   replica rolled back as a whole).
 *
 * Cost: about 2 SHA-256 and one decode per entry, plus members × one Ed25519
 * verification and O(log n) hashes per head.
 */

import { constantTimeEqual } from '@parley/crypto';
import type { Consortium } from '@parley/interface';
import { consortiumKeys } from './consortium.js';
import { decodeEntry, entryToJSON, type LedgerEntryJSON } from './entry.js';
import { CompactRange, leafHash } from './merkle.js';
import type { EntryColumns, LedgerStore } from './store.js';
import { type SignedTreeHead, treeHeadProblems } from './treeHead.js';

export type LedgerProblemKind =
  | 'missing-entry'
  | 'undecodable-entry'
  | 'seq-mismatch'
  | 'leaf-hash-mismatch'
  | 'column-mismatch'
  | 'root-mismatch'
  | 'bad-signature'
  | 'head-order'
  | 'uncovered-entries'
  | 'truncated'
  | 'anchor-mismatch';

export interface LedgerProblem {
  /** The sequence number concerned: for a head, the first entry it fails to vouch for. */
  seq: number;
  kind: LedgerProblemKind;
  /** One line, starting with `entry N:` or `tree head of size N:`. */
  message: string;
}

export interface LedgerReport {
  ok: boolean;
  store: string;
  /** Entry rows read. */
  entries: number;
  /** Stored tree heads checked. */
  heads: number;
  latestHead?: { size: number; root: string; timestamp: number };
  /** The lowest sequence number with a problem. */
  firstBadSeq?: number;
  /** Problems by sequence number (then in the order found), at most `maxProblems`. */
  problems: LedgerProblem[];
  /** Problems found beyond `maxProblems`. */
  moreProblems: number;
}

export interface VerifyLedgerOptions {
  /** Heads held outside this store (receipts, other replicas) that the log must agree with. */
  anchors?: readonly SignedTreeHead[];
  /** Problems kept in the report (default 100). */
  maxProblems?: number;
  /** Rows per read (default 5000). */
  pageSize?: number;
}

const COLUMN_FIELDS: (keyof LedgerEntryJSON)[] = [
  'seq',
  'jobId',
  'computationId',
  'parties',
  'inputCommitments',
  'outputHashes',
  'transcriptHash',
  'outcome',
  'reason',
  'startedAt',
  'finishedAt',
  'appData',
];

/** Deep equality of JSON-shaped values (key order ignored). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (
      !Object.hasOwn(b, k) ||
      !sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
    ) {
      return false;
    }
  }
  return true;
}

function columnMismatch(view: LedgerEntryJSON, columns: EntryColumns): string | undefined {
  for (const f of COLUMN_FIELDS) {
    if (!sameValue(view[f], columns[f])) return f;
  }
  return undefined;
}

interface Checkpoint {
  head: SignedTreeHead;
  anchor: boolean;
}

/** Verifies everything a store holds against the consortium. Reads only; never throws for tampering. */
export async function verifyLedger(
  store: LedgerStore,
  consortium: Consortium,
  options: VerifyLedgerOptions = {},
): Promise<LedgerReport> {
  consortiumKeys(consortium);
  const maxProblems = options.maxProblems ?? 100;
  const pageSize = options.pageSize ?? 5000;
  const problems: LedgerProblem[] = [];
  let moreProblems = 0;
  let firstBadSeq: number | undefined;
  // The first entry-level problem not yet vouched for by a verified head: it explains a later root mismatch.
  let unvouchedProblem: number | undefined;
  const report = (seq: number, kind: LedgerProblemKind, message: string): void => {
    if (firstBadSeq === undefined || seq < firstBadSeq) firstBadSeq = seq;
    if (problems.length < maxProblems) problems.push({ seq, kind, message });
    else moreProblems++;
  };

  // Stored heads arrive in pages, ascending by size; anchors are merged in by size.
  const anchors = [...(options.anchors ?? [])].sort((a, b) => a.size - b.size);
  let headPage: SignedTreeHead[] = [];
  let headPos = 0;
  let nextHeadSize = 0;
  let headsDone = false;
  let anchorPos = 0;
  let storedHeads = 0;
  let latest: SignedTreeHead | undefined;
  const nextCheckpoint = async (): Promise<Checkpoint | undefined> => {
    if (headPos >= headPage.length && !headsDone) {
      headPage = await store.readHeads(nextHeadSize, 1000);
      headPos = 0;
      if (headPage.length === 0) headsDone = true;
      else nextHeadSize = headPage[headPage.length - 1].size + 1;
    }
    const stored = headPos < headPage.length ? headPage[headPos] : undefined;
    const anchor = anchorPos < anchors.length ? anchors[anchorPos] : undefined;
    if (anchor !== undefined && (stored === undefined || anchor.size <= stored.size)) {
      anchorPos++;
      return { head: anchor, anchor: true };
    }
    if (stored !== undefined) {
      headPos++;
      return { head: stored, anchor: false };
    }
    return undefined;
  };

  const range = new CompactRange();
  let expected = 0;
  let gap = false;
  let vouchedUpTo = 0; // entries [0, vouchedUpTo) are covered by a head whose root matched
  let prevStored: SignedTreeHead | undefined;

  const checkHead = (c: Checkpoint, rootKnown: boolean): void => {
    const h = c.head;
    const what = c.anchor ? `trusted tree head of size ${h.size}` : `tree head of size ${h.size}`;
    const seqOf = Math.max(0, Math.min(unvouchedProblem ?? vouchedUpTo, h.size - 1));
    for (const p of treeHeadProblems(h, consortium))
      report(Math.max(0, h.size - 1), 'bad-signature', `${what}: ${p}`);
    if (!c.anchor) {
      storedHeads++;
      latest = h;
      if (prevStored !== undefined && h.timestamp < prevStored.timestamp) {
        report(
          seqOf,
          'head-order',
          `${what}: its timestamp is earlier than the previous head's (size ${prevStored.size})`,
        );
      }
      prevStored = h;
    }
    if (!rootKnown) return;
    if (constantTimeEqual(range.root(), h.root)) {
      if (h.size > vouchedUpTo) vouchedUpTo = h.size;
      unvouchedProblem = undefined;
    } else {
      report(
        seqOf,
        c.anchor ? 'anchor-mismatch' : 'root-mismatch',
        `${what}: its root does not match the entries` +
          (unvouchedProblem !== undefined
            ? ` (entry ${seqOf} differs)`
            : h.size > seqOf + 1
              ? ` (an entry between seq ${seqOf} and ${h.size - 1} differs)`
              : ` (entry ${seqOf} differs)`),
      );
    }
  };

  let pending = await nextCheckpoint();
  // Heads of the empty log.
  while (pending !== undefined && pending.head.size === 0) {
    checkHead(pending, true);
    pending = await nextCheckpoint();
  }

  let rows = 0;
  for (;;) {
    const page = await store.readEntries(expected, pageSize);
    for (const row of page) {
      rows++;
      if (row.seq > expected) {
        report(
          expected,
          'missing-entry',
          row.seq - expected === 1
            ? `entry ${expected}: missing (deleted?)`
            : `entry ${expected}: missing, and the ${row.seq - expected - 1} after it (up to ${row.seq - 1})`,
        );
        // Without the missing leaves no later root can be recomputed; heads in the gap are checked for signatures only.
        gap = true;
        while (pending !== undefined && pending.head.size <= row.seq) {
          checkHead(pending, false);
          pending = await nextCheckpoint();
        }
        expected = row.seq;
      }
      const seq = row.seq;
      // A tampered database may hold anything in the column: hash what is there as bytes.
      const bytes = row.bytes instanceof Uint8Array ? row.bytes : new TextEncoder().encode(String(row.bytes));
      const before = problems.length + moreProblems;
      try {
        const entry = decodeEntry(bytes);
        if (entry.seq !== seq) {
          report(
            seq,
            'seq-mismatch',
            `entry ${seq}: its bytes say it is entry ${entry.seq} (moved or swapped)`,
          );
        }
        if (row.columns !== undefined) {
          const field = columnMismatch(entryToJSON(entry), row.columns);
          if (field !== undefined) {
            report(
              seq,
              'column-mismatch',
              `entry ${seq}: the ${field} column does not match the entry bytes`,
            );
          }
        }
      } catch (e) {
        report(
          seq,
          'undecodable-entry',
          `entry ${seq}: the bytes are not a valid entry (${(e as Error).message})`,
        );
      }
      const h = leafHash(bytes);
      if (!(row.leafHash instanceof Uint8Array) || !constantTimeEqual(h, row.leafHash)) {
        report(
          seq,
          'leaf-hash-mismatch',
          `entry ${seq}: the stored leaf hash does not match the entry bytes`,
        );
      }
      if (problems.length + moreProblems > before) unvouchedProblem ??= seq;
      range.push(h);
      expected = seq + 1;
      while (pending !== undefined && pending.head.size <= expected) {
        checkHead(pending, !gap && pending.head.size === expected);
        pending = await nextCheckpoint();
      }
    }
    if (page.length < pageSize) break;
  }

  // Heads beyond the end of the log: it was truncated (or entries were deleted from the end).
  while (pending !== undefined) {
    const h = pending.head;
    checkHead(pending, false);
    report(
      expected,
      'truncated',
      `${pending.anchor ? 'trusted ' : ''}tree head of size ${h.size}: the log ends at entry ${expected - 1}, ` +
        `so entries ${expected}-${h.size - 1} are missing (truncated)`,
    );
    pending = await nextCheckpoint();
  }
  const covered = latest?.size ?? 0;
  if (expected > covered && !gap) {
    report(
      covered,
      'uncovered-entries',
      `entry ${covered}: entries ${covered}-${expected - 1} are not covered by any co-signed tree head` +
        (latest
          ? ` (the latest head has size ${latest.size}; was a newer head replaced by an older one?)`
          : ''),
    );
  } else if (expected > covered) {
    report(
      covered,
      'uncovered-entries',
      `entry ${covered}: entries from ${covered} on are not covered by any tree head`,
    );
  }

  problems.sort((a, b) => a.seq - b.seq);
  const out: LedgerReport = {
    ok: firstBadSeq === undefined,
    store: store.description,
    entries: rows,
    heads: storedHeads,
    problems,
    moreProblems,
  };
  if (latest !== undefined) {
    out.latestHead = {
      size: latest.size,
      root: Buffer.from(latest.root).toString('hex'),
      timestamp: latest.timestamp,
    };
  }
  if (firstBadSeq !== undefined) out.firstBadSeq = firstBadSeq;
  return out;
}
