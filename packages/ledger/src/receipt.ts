/**
 * Receipts, as Azure confidential ledger issues them: an entry, its RFC 9162
 * §2.1.3 inclusion proof (audit path) and a tree head co-signed by the whole
 * consortium, in one JSON document. It verifies offline with nothing but the
 * consortium file:
 *
 *   1. entryBytes decode as a canonical version 1 entry, and `entry` (the
 *      readable copy) says exactly what the bytes say;
 *   2. leafIndex = entry.seq < treeHead.size;
 *   3. the audit path leads from SHA-256(0x00 || entryBytes) to treeHead.root
 *      (RFC 9162 §2.1.3.2);
 *   4. every member of the consortium signed the head and no one else did.
 *
 * `verifyReceipt` never throws for a bad receipt: it returns every problem it
 * found. It throws ConfigError only for an invalid consortium.
 */

import { constantTimeEqual } from '@parley/crypto';
import type { Consortium } from '@parley/interface';
import { InvalidInput } from '@parley/interface';
import { quoteUntrusted } from './_untrusted.js';
import { consortiumKeys } from './consortium.js';
import { canonicalJson, decodeEntry, entryToJSON, type LedgerEntry, type LedgerEntryJSON } from './entry.js';
import { leafHash, rootFromInclusionProof } from './merkle.js';
import {
  type SignedTreeHead,
  type SignedTreeHeadJSON,
  treeHeadFromJSON,
  treeHeadProblems,
  treeHeadToJSON,
} from './treeHead.js';

export const RECEIPT_FORMAT = 'parley-ledger-receipt/1';
/** A receipt file larger than this is refused before parsing. */
export const MAX_RECEIPT_BYTES = 1024 * 1024;

export interface ReceiptJSON {
  format: typeof RECEIPT_FORMAT;
  /** The entry's sequence number, which is its leaf index. */
  leafIndex: number;
  /** A readable copy of the entry; it must say exactly what `entryBytes` say. */
  entry: LedgerEntryJSON;
  /** The canonical msgpack bytes of the entry, hex: what the leaf hash is computed over. */
  entryBytes: string;
  /** RFC 9162 §2.1.3.1 PATH(leafIndex, D[treeHead.size]), hex, leaf side first. */
  inclusionProof: string[];
  /** The co-signed head the proof leads to. */
  treeHead: SignedTreeHeadJSON;
}

export interface ReceiptVerification {
  ok: boolean;
  /** The entry's sequence number, when it could be read. */
  seq?: number;
  /** The decoded entry, when the bytes decoded. */
  entry?: LedgerEntry;
  /** The head's size, when it could be read. */
  treeSize?: number;
  /** What is wrong, one line each; empty when ok. */
  problems: string[];
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const HEX = /^(?:[0-9a-f]{2})*$/;

export function buildReceipt(
  entryBytes: Uint8Array,
  entry: LedgerEntry,
  proof: readonly Uint8Array[],
  head: SignedTreeHead,
): ReceiptJSON {
  return {
    format: RECEIPT_FORMAT,
    leafIndex: entry.seq,
    entry: entryToJSON(entry),
    entryBytes: hex(entryBytes),
    inclusionProof: proof.map(hex),
    treeHead: treeHeadToJSON(head),
  };
}

/** Verifies a receipt (the parsed JSON document) against the consortium. Pure; see the file header for the checks. */
export function verifyReceipt(receipt: unknown, consortium: Consortium): ReceiptVerification {
  consortiumKeys(consortium); // throws ConfigError for an invalid consortium
  const problems: string[] = [];
  const result = (): ReceiptVerification => ({ ...out, ok: problems.length === 0, problems });
  const out: Omit<ReceiptVerification, 'ok' | 'problems'> = {};

  if (typeof receipt !== 'object' || receipt === null || Array.isArray(receipt)) {
    problems.push('receipt is not a JSON object');
    return result();
  }
  const r = receipt as Record<string, unknown>;
  if (r.format !== RECEIPT_FORMAT)
    problems.push(`receipt format is ${describeFormat(r.format)}, not ${RECEIPT_FORMAT}`);

  // 1. The entry bytes, and the readable copy.
  let entry: LedgerEntry | undefined;
  let bytes: Uint8Array | undefined;
  if (typeof r.entryBytes !== 'string' || !HEX.test(r.entryBytes)) {
    problems.push('entryBytes is not lowercase hex');
  } else {
    bytes = new Uint8Array(Buffer.from(r.entryBytes, 'hex'));
    try {
      entry = decodeEntry(bytes);
      out.entry = entry;
      out.seq = entry.seq;
    } catch (e) {
      problems.push(`entryBytes do not decode as a ledger entry: ${(e as Error).message}`);
    }
  }
  if (entry !== undefined) {
    const view = entryToJSON(entry);
    let same = false;
    try {
      same = canonicalJson(view) === canonicalJson(r.entry);
    } catch {
      same = false;
    }
    if (!same)
      problems.push(`entry ${entry.seq}: the readable entry does not match entryBytes (it was edited)`);
  }

  // 2. Leaf index.
  const index = r.leafIndex;
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) {
    problems.push('leafIndex is not a whole number');
  } else if (entry !== undefined && entry.seq !== index) {
    problems.push(`leafIndex ${index} is not the entry's sequence number ${entry.seq}`);
  }

  // 4. The head and its signatures.
  let head: SignedTreeHead | undefined;
  try {
    head = treeHeadFromJSON(r.treeHead, 'treeHead');
    out.treeSize = head.size;
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (head !== undefined) {
    for (const p of treeHeadProblems(head, consortium)) problems.push(`tree head of size ${head.size}: ${p}`);
  }

  // 3. The audit path.
  let path: Uint8Array[] | undefined;
  if (
    !Array.isArray(r.inclusionProof) ||
    !r.inclusionProof.every((p) => typeof p === 'string' && /^[0-9a-f]{64}$/.test(p))
  ) {
    problems.push('inclusionProof is not a list of 64-hex-character hashes');
  } else {
    path = r.inclusionProof.map((p: string) => new Uint8Array(Buffer.from(p, 'hex')));
  }
  if (head !== undefined && bytes !== undefined && path !== undefined && typeof index === 'number') {
    if (index >= head.size) {
      problems.push(`entry ${index} is not covered by the tree head of size ${head.size} (an older head?)`);
    } else {
      const root = rootFromInclusionProof(index, head.size, leafHash(bytes), path);
      if (root === undefined) {
        problems.push(
          `entry ${index}: the inclusion proof has the wrong shape for a tree of size ${head.size}`,
        );
      } else if (!constantTimeEqual(root, head.root)) {
        problems.push(
          `entry ${index}: the inclusion proof does not lead to the root of the tree head of size ${head.size}`,
        );
      }
    }
  }
  return result();
}

/**
 * Parses the text of a receipt file as JSON, with the size cap; throws
 * InvalidInput naming the file. What the JSON says is checked by verifyReceipt.
 */
export function parseReceiptText(text: string, file = 'receipt'): unknown {
  if (Buffer.byteLength(text) > MAX_RECEIPT_BYTES) {
    throw new InvalidInput(`receipt ${file}: larger than ${MAX_RECEIPT_BYTES} bytes`, { file });
  }
  if (text.trim() === '') throw new InvalidInput(`receipt ${file}: empty, not a JSON receipt`, { file });
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidInput(`receipt ${file}: not valid JSON (${(e as Error).message})`, { file });
  }
}

/** A receipt's `format` as a problem names it: a short string quoted, anything else by its type. */
function describeFormat(format: unknown): string {
  if (typeof format === 'string' && format.length <= 64) return quoteUntrusted(format, 64);
  if (typeof format === 'string') return 'a string of more than 64 characters';
  return format === null ? 'null' : Array.isArray(format) ? 'an array' : `a ${typeof format}`;
}
