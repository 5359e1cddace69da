/**
 * The consortium file (`Consortium` of @parley/interface): for each party its
 * name, its Ed25519 public key (its identity, 64 hex characters) and its
 * address (`host:port`). Parsing checks every field and rejects with a
 * `ConfigError` that names the field (`parties[2].publicKey`) and the file;
 * `ConsortiumIndex` looks parties up by name and by key.
 *
 *   { "name": "fraud-pilot",
 *     "parties": [ { "name": "bankA", "publicKey": "d75a98…", "address": "10.0.0.5:7443" }, … ] }
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { ConfigError } from './errors.js';
import type { Consortium, ConsortiumMember, PartyName } from './types.js';

/** Party names: a letter or digit, then letters, digits, '_', '.', '-'; at most 64 characters. */
export const PARTY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Cap on the number of parties in a consortium. */
export const MAX_PARTIES = 256;

/** Splits `host:port`, naming `field` in the error. */
export function parseAddress(
  address: string,
  field = 'address',
  file?: string,
): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : 0;
  const host = m ? (m[1] ?? m[2]) : '';
  if (!m || port < 1 || port > 65535 || (m[1] !== undefined && isIP(host) !== 6)) {
    throw new ConfigError(`${file ? `consortium ${file}: ` : ''}${field}: '${address}' is not host:port`, {
      field,
      file,
    });
  }
  return { host, port };
}

/** A validated consortium, indexed by party name and by public key. */
export class ConsortiumIndex {
  readonly consortium: Consortium;
  /** Party names in file order. */
  readonly names: readonly PartyName[];
  readonly #byName = new Map<PartyName, Readonly<ConsortiumMember>>();
  readonly #byKey = new Map<string, Readonly<ConsortiumMember>>();

  /** Validates `consortium` (see `parseConsortium`). */
  constructor(consortium: Consortium, source?: string) {
    this.consortium = parseConsortium(consortium, source);
    this.names = Object.freeze(this.consortium.parties.map((p) => p.name));
    for (const p of this.consortium.parties) {
      this.#byName.set(p.name, p);
      this.#byKey.set(p.publicKey, p);
    }
  }

  party(name: PartyName): Readonly<ConsortiumMember> | undefined {
    return this.#byName.get(name);
  }

  /** The party whose identity is `publicKeyHex`, if any. */
  partyByPublicKey(publicKeyHex: string): Readonly<ConsortiumMember> | undefined {
    return this.#byKey.get(publicKeyHex.toLowerCase());
  }
}

function validate(value: unknown, file: string | undefined): Consortium {
  const fail = (field: string, what: string): never => {
    throw new ConfigError(`consortium${file ? ` ${file}` : ''}: ${field} ${what}`, { field, file });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('(root)', 'must be an object');
  const root = value as Record<string, unknown>;
  if (root.name !== undefined && (typeof root.name !== 'string' || root.name.length > 200)) {
    fail('name', 'must be a string of at most 200 characters');
  }
  if (!Array.isArray(root.parties)) fail('parties', 'must be an array');
  const list = root.parties as unknown[];
  if (list.length < 2 || list.length > MAX_PARTIES) fail('parties', `must list 2 to ${MAX_PARTIES} parties`);
  const parties: ConsortiumMember[] = [];
  const names = new Set<string>();
  const keys = new Set<string>();
  for (const [i, entry] of list.entries()) {
    const at = `parties[${i}]`;
    if (typeof entry !== 'object' || entry === null) fail(at, 'must be an object');
    const { name, publicKey, address } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || !PARTY_NAME_PATTERN.test(name)) {
      fail(`${at}.name`, 'must be 1 to 64 letters, digits, _ . - (starting with a letter or digit)');
    }
    if (names.has(name as string)) fail(`${at}.name`, `repeats the name '${name}'`);
    if (typeof publicKey !== 'string' || !/^[0-9a-fA-F]{64}$/.test(publicKey)) {
      fail(`${at}.publicKey`, 'must be a 32-byte Ed25519 public key in hex (64 characters)');
    }
    const key = (publicKey as string).toLowerCase();
    if (keys.has(key)) fail(`${at}.publicKey`, 'repeats the key of another party');
    if (typeof address !== 'string') fail(`${at}.address`, 'must be a string host:port');
    parseAddress(address as string, `${at}.address`, file);
    names.add(name as string);
    keys.add(key);
    parties.push({ name: name as string, publicKey: key, address: address as string });
  }
  return root.name === undefined ? { parties } : { name: root.name as string, parties };
}

/**
 * Validates a parsed consortium file (e.g. from JSON) and returns a frozen copy
 * with keys in lowercase. `source` (a file name) is named in errors.
 */
export function parseConsortium(value: unknown, source?: string): Consortium {
  const c = validate(value, source);
  const parties = Object.freeze(c.parties.map((p) => Object.freeze(p))) as ConsortiumMember[];
  return Object.freeze(c.name === undefined ? { parties } : { name: c.name, parties });
}

/** Reads and validates a consortium JSON file. */
export async function loadConsortium(path: string): Promise<Consortium> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read consortium file ${path}: ${(e as Error).message}`, { file: path });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`consortium file ${path} is not JSON: ${(e as Error).message}`, { file: path });
  }
  return parseConsortium(json, path);
}
