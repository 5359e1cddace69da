/**
 * Co-signed tree heads: (size, root, timestamp) signed with Ed25519 (RFC 8032,
 * through @parley/crypto / @noble/curves) by every member of the consortium.
 * A head counts only with a valid signature from each member and from no one
 * else (the consortium's unanimous quorum). As RFC 9162 §4.10 signs a
 * TreeHeadDataV2, the signed message is a fixed binary layout:
 *
 *   "PARLEY-LEDGER-TREE-HEAD-V1" 0x00 || uint64be(timestamp ms) || uint64be(size) || root (32 bytes)
 */

import { ed25519Sign, ed25519Verify } from '@parley/crypto';
import type { Consortium } from '@parley/interface';
import { InvalidInput, SignatureError } from '@parley/interface';
import { keyPath, quoteUntrusted } from './_untrusted.js';
import { consortiumKeys } from './consortium.js';
import { HASH_SIZE } from './merkle.js';

export interface TreeHead {
  /** Number of entries the tree covers. */
  size: number;
  /** RFC 9162 MTH of those entries. */
  root: Uint8Array;
  /** When the proposer made the head, ms since the Unix epoch. */
  timestamp: number;
}

export interface SignedTreeHead extends TreeHead {
  /** Ed25519 signature of `treeHeadMessage(head)` by each member, by member name. */
  signatures: Record<string, Uint8Array>;
}

/** The JSON form (receipts, files): hex for bytes. */
export interface SignedTreeHeadJSON {
  size: number;
  root: string;
  timestamp: number;
  signatures: Record<string, string>;
}

const LABEL = new TextEncoder().encode('PARLEY-LEDGER-TREE-HEAD-V1\0');

/** The bytes every member signs. */
export function treeHeadMessage(head: TreeHead): Uint8Array {
  if (!Number.isSafeInteger(head.size) || head.size < 0)
    throw new InvalidInput('tree head: bad size', { field: 'size' });
  if (!Number.isSafeInteger(head.timestamp) || head.timestamp < 0) {
    throw new InvalidInput('tree head: bad timestamp', { field: 'timestamp' });
  }
  if (!(head.root instanceof Uint8Array) || head.root.length !== HASH_SIZE) {
    throw new InvalidInput('tree head: root must be 32 bytes', { field: 'root' });
  }
  const out = new Uint8Array(LABEL.length + 16 + HASH_SIZE);
  const view = new DataView(out.buffer);
  out.set(LABEL, 0);
  view.setBigUint64(LABEL.length, BigInt(head.timestamp));
  view.setBigUint64(LABEL.length + 8, BigInt(head.size));
  out.set(head.root, LABEL.length + 16);
  return out;
}

export function signTreeHead(head: TreeHead, secretKey: Uint8Array): Uint8Array {
  return ed25519Sign(treeHeadMessage(head), secretKey);
}

/** Checks one member's signature. */
export function verifyTreeHeadSignature(
  head: TreeHead,
  signature: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  return ed25519Verify(signature, treeHeadMessage(head), publicKey);
}

/**
 * Everything wrong with a head's signatures, one line per member
 * (`signature of bankB does not verify`, `missing signature of bankC`,
 * `signature by "mallory", who is not a member`); empty when the head counts.
 */
export function treeHeadProblems(head: SignedTreeHead, consortium: Consortium): string[] {
  const { names, keys } = consortiumKeys(consortium);
  const problems: string[] = [];
  let message: Uint8Array;
  try {
    message = treeHeadMessage(head);
  } catch (e) {
    return [(e as Error).message];
  }
  const sigs = head.signatures ?? {};
  for (const signer of Object.keys(sigs)) {
    if (!keys.has(signer))
      problems.push(`signature by ${quoteUntrusted(signer)}, who is not a member of the consortium`);
  }
  for (const name of names) {
    const sig = Object.hasOwn(sigs, name) ? sigs[name] : undefined;
    if (sig === undefined) problems.push(`missing signature of ${name}`);
    else if (!ed25519Verify(sig, message, keys.get(name)!))
      problems.push(`signature of ${name} does not verify`);
  }
  return problems;
}

/** Throws SignatureError (naming the first member at fault) unless every member signed `head` validly. */
export function assertTreeHeadSigned(head: SignedTreeHead, consortium: Consortium): void {
  const problems = treeHeadProblems(head, consortium);
  if (problems.length > 0) {
    throw new SignatureError(`tree head of size ${head.size}: ${problems.join('; ')}`, {
      seq: head.size - 1,
    });
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export function treeHeadToJSON(head: SignedTreeHead): SignedTreeHeadJSON {
  const signatures = Object.fromEntries(
    Object.entries(head.signatures).map(([name, sig]) => [name, hex(sig)]),
  );
  return { size: head.size, root: hex(head.root), timestamp: head.timestamp, signatures };
}

/** Parses the JSON form; throws InvalidInput naming the field (`what` prefixes the message). */
export function treeHeadFromJSON(json: unknown, what = 'tree head'): SignedTreeHead {
  const fail = (field: string, why: string): never => {
    throw new InvalidInput(`${what}: ${field} ${why}`, { field });
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return fail('value', 'must be an object');
  const j = json as Record<string, unknown>;
  if (typeof j.size !== 'number' || !Number.isSafeInteger(j.size) || j.size < 0)
    fail('size', 'must be a whole number');
  if (typeof j.timestamp !== 'number' || !Number.isSafeInteger(j.timestamp) || j.timestamp < 0) {
    fail('timestamp', 'must be a whole number of ms');
  }
  if (typeof j.root !== 'string' || !/^[0-9a-f]{64}$/.test(j.root))
    fail('root', 'must be 64 lowercase hex characters');
  if (typeof j.signatures !== 'object' || j.signatures === null || Array.isArray(j.signatures)) {
    fail('signatures', 'must be an object of member -> signature');
  }
  // fromEntries keeps every name as its own key, "__proto__" too, for the check of who signed.
  const signatures = Object.fromEntries(
    Object.entries(j.signatures as Record<string, unknown>).map(([name, sig]) => {
      if (typeof sig !== 'string' || !/^[0-9a-f]{128}$/.test(sig)) {
        fail(keyPath('signatures', name), 'must be 128 lowercase hex characters');
      }
      return [name, new Uint8Array(Buffer.from(sig as string, 'hex'))];
    }),
  );
  return {
    size: j.size as number,
    root: new Uint8Array(Buffer.from(j.root as string, 'hex')),
    timestamp: j.timestamp as number,
    signatures,
  };
}
