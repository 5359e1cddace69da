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
 *   replica rolled back as a whole);
 *   and, about the rows themselves: a head whose columns do not parse
 *   strictly, a row whose seq or size is not a whole number up to 2^53 − 1
 *   (the walk stops there: rows come in order of it), rows the walk from seq
 *   0 and size 0 did not reach (the store's count(*), min and max differ from
 *   what was read: a negative seq, say), and what the database finds wrong in its
 *   own files (SQLite `PRAGMA quick_check`: damaged pages, a row that breaks
 *   a CHECK).
 *
 * Messages never hold untrusted text as it is (keys are quoted and cut, and
 * every message goes through `safeText`). A store read that fails throws the
 * store's typed error (LedgerTampered "ledger database is corrupt: …" for a
 * damaged file); anything else is reported, never thrown.
 *
 * Cost: about 2 SHA-256 and one decode per entry, plus members × one Ed25519
 * verification and O(log n) hashes per head, plus one quick_check pass.
 */

import { constantTimeEqual } from '@parley/crypto';
import type { Consortium } from '@parley/interface';
import { ConfigError, ParleyError, safeText } from '@parley/interface';
import { quoteUntrusted } from './_untrusted.js';
import { consortiumFingerprint, consortiumKeys } from './consortium.js';
import { decodeEntry, entryToJSON, type LedgerEntryJSON } from './entry.js';
import { CompactRange, leafHash } from './merkle.js';
import type { EntryColumns, KeyRange, LedgerStore, StoredTreeHead } from './store.js';
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
  | 'anchor-mismatch'
  | 'malformed-row'
  | 'unread-rows'
  | 'database-check';

export interface LedgerProblem {
  /**
   * The sequence number concerned: for a head, the first entry it fails to
   * vouch for; for rows outside the log, its end; for the database's own check, 0.
   */
  seq: number;
  kind: LedgerProblemKind;
  /**
   * One line, starting with `entry N:`, `tree head of size N:`, `entry row …`,
   * `tree head row …`, `entry rows:`, `tree head rows:` or `database:`.
   */
  message: string;
}

export interface LedgerReport {
  ok: boolean;
  store: string;
  /** `consortiumFingerprint` of the consortium the heads were checked against. */
  consortiumFingerprint: string;
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
  head: StoredTreeHead;
  anchor: boolean;
}

/** Heads read per page. */
const HEAD_PAGE = 1000;
/** Integrity check (quick_check) lines reported, at most. */
const MAX_DAMAGE_LINES = 10;
/** Characters of a problem message, at most. */
const MAX_MESSAGE_CHARS = 1000;

/** What the walk read of one table: rows, and the lowest and highest key in order. */
interface Walked {
  rows: number;
  min?: number;
  max?: number;
  /** The walk stopped at a row whose key it could not take (reported), and read none above it. */
  stopped: boolean;
}

const walked = (): Walked => ({ rows: 0, stopped: false });

function walk(w: Walked, key: number): void {
  w.rows++;
  if (w.min === undefined) w.min = key;
  w.max = key;
}

/** A key as the database gave it: digits as they are, anything else quoted. */
const keyText = (k: string | null): string =>
  k === null ? 'none' : /^-?[0-9]{1,40}$/.test(k) ? k : quoteUntrusted(k);

/** True when the database holds rows the walk did not read (or reads what it does not count). */
function unread(db: KeyRange, w: Walked): boolean {
  if (db.rows !== w.rows) return true;
  if (w.min !== undefined && db.min !== String(w.min)) return true;
  return !w.stopped && w.max !== undefined && db.max !== String(w.max);
}

/** `n` as a message says how much: a safe integer as it is, anything else as "n (as read)". */
const asRead = (n: number): string =>
  Number.isSafeInteger(n) ? String(n) : `${Number.isInteger(n) ? BigInt(n) : n} (as read)`;

/**
 * Verifies everything a store holds against the consortium. Reads only; reports tampering, never throws
 * for it. Throws the store's typed error when a read fails (LedgerTampered for a file too damaged to read).
 */
export async function verifyLedger(
  store: LedgerStore,
  consortium: Consortium,
  options: VerifyLedgerOptions = {},
): Promise<LedgerReport> {
  consortiumKeys(consortium);
  const fingerprint = consortiumFingerprint(consortium);
  const maxProblems = options.maxProblems ?? 100;
  const pageSize = options.pageSize ?? 5000;
  const problems: LedgerProblem[] = [];
  let moreProblems = 0;
  let firstBadSeq: number | undefined;
  // The first entry-level problem not yet vouched for by a verified head: it explains a later root mismatch.
  let unvouchedProblem: number | undefined;
  const report = (seq: number, kind: LedgerProblemKind, message: string): void => {
    if (firstBadSeq === undefined || seq < firstBadSeq) firstBadSeq = seq;
    // No control character (terminal escape) from a tampered store reaches whoever prints the report.
    if (problems.length < maxProblems)
      problems.push({ seq, kind, message: safeText(message, MAX_MESSAGE_CHARS) });
    else moreProblems++;
  };
  // Problems about rows outside the log, reported with the log's end once it is known.
  const beyondLog: [LedgerProblemKind, string][] = [];
  // A store read that fails without a typed error of its own.
  const read = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      if (e instanceof ParleyError) throw e;
      const why = safeText(e instanceof Error ? e.message : String(e), 200).replace(/\s+/g, ' ');
      throw new ConfigError(
        `cannot read the ledger ${store.description}: ${why} (${what})`,
        {},
        { cause: e },
      );
    }
  };

  // What the database finds wrong in its own files (damaged pages, a CHECK a row breaks): reported, and the
  // walk goes on as far as the reads do.
  const damage = await read('running its integrity check', () => store.integrityProblems());
  for (const line of damage.slice(0, MAX_DAMAGE_LINES))
    report(0, 'database-check', `database: its integrity check reports: ${line.replace(/\s*\n\s*/g, '; ')}`);
  if (damage.length > MAX_DAMAGE_LINES)
    report(0, 'database-check', `database: … and ${damage.length - MAX_DAMAGE_LINES} more integrity reports`);

  // Stored heads arrive in pages, ascending by size; anchors are merged in by size.
  const anchors = [...(options.anchors ?? [])].sort((a, b) => a.size - b.size);
  let headPage: StoredTreeHead[] = [];
  let headPos = 0;
  let nextHeadSize = 0;
  let headsDone = false;
  let anchorPos = 0;
  let storedHeads = 0;
  let latest: SignedTreeHead | undefined;
  const headRows = walked();
  const nextCheckpoint = async (): Promise<Checkpoint | undefined> => {
    if (headPos >= headPage.length && !headsDone) {
      const from = nextHeadSize;
      const page = await read(`reading tree heads from size ${from}`, () => store.readHeads(from, HEAD_PAGE));
      headPage = [];
      headPos = 0;
      let floor = from;
      for (const h of page) {
        if (!Number.isSafeInteger(h.size) || h.size < floor) {
          // Heads come in order of size: above one the log cannot have, or out of order, none can be taken.
          headRows.rows++;
          headRows.stopped = true;
          beyondLog.push([
            'malformed-row',
            `tree head row of size ${asRead(h.size)}: not a size the log can have (a whole number from ${floor} ` +
              'to 2^53 − 1, in order); it and the rows after it were not checked',
          ]);
          break;
        }
        walk(headRows, h.size);
        headPage.push(h);
        floor = h.size + 1;
      }
      // The cursor must strictly advance, or the reads would go round for ever.
      if (headRows.stopped || page.length < HEAD_PAGE || floor <= from) headsDone = true;
      else nextHeadSize = floor;
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
    if (!c.anchor && h.malformed !== undefined && h.malformed.length > 0) {
      // A head whose columns do not parse counts for nothing: neither its signatures nor its root are checked.
      // It is still the latest head row: entries up to its size are not reported uncovered on top of it.
      storedHeads++;
      latest = h;
      for (const m of h.malformed) report(Math.max(0, h.size - 1), 'malformed-row', `${what}: ${m}`);
      return;
    }
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
  const entryRows = walked();
  pages: for (;;) {
    const from = expected;
    const page = await read(`reading entries from seq ${from}`, () => store.readEntries(from, pageSize));
    for (const row of page) {
      if (!Number.isSafeInteger(row.seq) || row.seq < expected) {
        // Rows come in order of seq: above one the log cannot have, or out of order, none can be taken.
        entryRows.rows++;
        entryRows.stopped = true;
        beyondLog.push([
          'malformed-row',
          `entry row with seq ${asRead(row.seq)}: not a sequence number the log can have (a whole number ` +
            `from ${expected} to 2^53 − 1, in order); it and the rows after it were not checked`,
        ]);
        break pages;
      }
      rows++;
      walk(entryRows, row.seq);
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
    // The cursor must strictly advance, or the reads would go round for ever.
    if (page.length < pageSize || expected <= from) break;
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

  // Rows the walk did not reach: the database's own count, lowest and highest key against what was read.
  for (const [kind, message] of beyondLog) report(expected, kind, message);
  const summary = await read('counting rows', () => store.tableSummary());
  if (unread(summary.entries, entryRows)) {
    const e = summary.entries;
    report(
      expected,
      'unread-rows',
      `entry rows: the database holds ${e.rows} (seq ${keyText(e.min)} to ${keyText(e.max)}) but walking ` +
        `the log from seq 0 read ${entryRows.rows}; the others have a seq outside the log (below 0 or ` +
        'beyond 2^53 − 1): no tree head covers them, yet SQL queries see them',
    );
  }
  if (unread(summary.heads, headRows)) {
    const h = summary.heads;
    report(
      expected,
      'unread-rows',
      `tree head rows: the database holds ${h.rows} (size ${keyText(h.min)} to ${keyText(h.max)}) but ` +
        `reading them from size 0 found ${headRows.rows}; the others have a size no log can have (below 0 ` +
        'or beyond 2^53 − 1) and were not checked',
    );
  }

  problems.sort((a, b) => a.seq - b.seq);
  const out: LedgerReport = {
    ok: firstBadSeq === undefined,
    store: store.description,
    consortiumFingerprint: fingerprint,
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
