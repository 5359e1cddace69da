/**
 * The consortium as the ledger needs it: the members' names and Ed25519
 * public keys (the `Consortium` type of @parley/interface; addresses are not
 * used here). `parseLedgerConsortium` is a small validator for the consortium
 * file, kept internal to the ledger so that it can later be replaced by the
 * transport's parser of the same format.
 *
 * Limits: at most MAX_MEMBERS members, names of 1–128 characters.
 */
import type { Consortium, ConsortiumMember } from '@parley/interface';
import { ConfigError } from '@parley/interface';

export const MAX_MEMBERS = 64;

/** Members by name with their decoded public keys, in file order. */
export interface ConsortiumKeys {
  readonly names: readonly string[];
  readonly keys: ReadonlyMap<string, Uint8Array>;
}

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** Validates a parsed consortium object; `file` names it in errors (ConfigError). */
export function checkLedgerConsortium(value: unknown, file = 'consortium'): Consortium {
  const fail = (why: string, field?: string): never => {
    throw new ConfigError(`${file}: ${why}`, { file, ...(field ? { field } : {}) });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('must be a JSON object');
  const v = value as Record<string, unknown>;
  if (v.name !== undefined && typeof v.name !== 'string') fail('"name" must be a string', 'name');
  if (!Array.isArray(v.parties) || v.parties.length === 0)
    fail('"parties" must be a non-empty array', 'parties');
  const list = v.parties as unknown[];
  if (list.length > MAX_MEMBERS) fail(`more than ${MAX_MEMBERS} parties`, 'parties');
  const names = new Set<string>();
  const keys = new Set<string>();
  const parties: ConsortiumMember[] = list.map((p, i) => {
    if (typeof p !== 'object' || p === null) return fail(`parties[${i}] must be an object`, `parties[${i}]`);
    const m = p as Record<string, unknown>;
    if (typeof m.name !== 'string' || m.name.length === 0 || m.name.length > 128) {
      fail(`parties[${i}].name must be a string of 1-128 characters`, `parties[${i}].name`);
    }
    if (typeof m.publicKey !== 'string' || !HEX64.test(m.publicKey)) {
      fail(`parties[${i}].publicKey must be 64 hex characters (Ed25519)`, `parties[${i}].publicKey`);
    }
    if (m.address !== undefined && typeof m.address !== 'string') {
      fail(`parties[${i}].address must be a string`, `parties[${i}].address`);
    }
    const name = m.name as string;
    const publicKey = (m.publicKey as string).toLowerCase();
    if (names.has(name)) fail(`party "${name}" is listed twice`, `parties[${i}].name`);
    if (keys.has(publicKey))
      fail(`parties[${i}] reuses the public key of another party`, `parties[${i}].publicKey`);
    names.add(name);
    keys.add(publicKey);
    return { name, publicKey, address: (m.address as string | undefined) ?? '' };
  });
  return v.name === undefined ? { parties } : { name: v.name as string, parties };
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
