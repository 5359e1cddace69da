/**
 * A consortium's keys as signers: every member's Ed25519 key must be a
 * canonical point of large order (see `ed25519KeyFault`). The consortium
 * parser of @parley/interface checks the file's shape but has no curve
 * arithmetic; the ledger and the transport call this before trusting a key.
 */
import { ConfigError, type Consortium } from '@parley/interface';
import { ed25519KeyFault } from './ed25519.js';
import { fromHex } from './hash.js';

/** Throws ConfigError naming the first member whose key cannot stand for it. */
export function checkMemberKeys(consortium: Consortium, source = 'consortium'): void {
  for (const [i, party] of consortium.parties.entries()) {
    const fault = ed25519KeyFault(fromHex(party.publicKey));
    if (fault !== undefined) {
      throw new ConfigError(`${source}: parties[${i}].publicKey (of '${party.name}') ${fault}`, {
        file: source,
        field: `parties[${i}].publicKey`,
        party: party.name,
      });
    }
  }
}
