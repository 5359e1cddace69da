/**
 * The consortium as the ledger needs it: the members' names and Ed25519
 * public keys (the `Consortium` type of @parley/interface; addresses are not
 * used here), validated by the shared consortium parser of @parley/interface,
 * and its fingerprint, which an auditor compares with one from a trusted copy.
 *
 * Limits: at most MAX_MEMBERS members.
 */
import { createHash } from 'node:crypto';
import { checkMemberKeys } from '@parley/crypto';
import { ConfigError, type Consortium, parseConsortium } from '@parley/interface';
import { encodeCanonical } from './canonicalMsgpack.js';

export const MAX_MEMBERS = 64;

/** Members by name with their decoded public keys, in file order. */
export interface ConsortiumKeys {
  readonly names: readonly string[];
  readonly keys: ReadonlyMap<string, Uint8Array>;
}

/**
 * Validates a parsed consortium object with the consortium parser of
 * @parley/interface (the transport's too) and checks that every member's key
 * can stand for it (`checkMemberKeys`); `file` names it in errors (ConfigError).
 */
export function checkLedgerConsortium(value: unknown, file = 'consortium'): Consortium {
  const c = parseConsortium(value, file);
  if (c.parties.length > MAX_MEMBERS) {
    throw new ConfigError(
      `consortium ${file}: parties must list at most ${MAX_MEMBERS} members for the ledger`,
      {
        file,
        field: 'parties',
      },
    );
  }
  checkMemberKeys(c, file);
  return c;
}

/** Parses the text of a consortium file. */
export function parseLedgerConsortium(text: string, file = 'consortium'): Consortium {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file}: not valid JSON (${(e as Error).message})`, { file });
  }
  return checkLedgerConsortium(value, file);
}

const cache = new WeakMap<Consortium, ConsortiumKeys>();

/** The members' decoded keys (validated once per consortium object). */
export function consortiumKeys(consortium: Consortium): ConsortiumKeys {
  let k = cache.get(consortium);
  if (k === undefined) {
    const c = checkLedgerConsortium(consortium);
    const keys = new Map<string, Uint8Array>();
    for (const p of c.parties) keys.set(p.name, new Uint8Array(Buffer.from(p.publicKey, 'hex')));
    k = { names: c.parties.map((p) => p.name), keys };
    cache.set(consortium, k);
  }
  return k;
}

const FINGERPRINT_LABEL = new TextEncoder().encode('PARLEY-CONSORTIUM-V1\0');

/**
 * The consortium's fingerprint, 64 lowercase hex characters:
 *
 *   SHA-256("PARLEY-CONSORTIUM-V1" 0x00 || canonical msgpack of [[name, publicKey (bin 32)], …])
 *
 * with the members sorted by the UTF-8 bytes of their names (canonicalMsgpack.ts
 * gives the one encoding). Only names and keys count, the members who sign:
 * the consortium's name and the addresses can change without changing it.
 */
export function consortiumFingerprint(consortium: Consortium): string {
  const { names, keys } = consortiumKeys(consortium);
  const members = [...names]
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((name) => [name, keys.get(name)!]);
  return createHash('sha256').update(FINGERPRINT_LABEL).update(encodeCanonical(members)).digest('hex');
}
