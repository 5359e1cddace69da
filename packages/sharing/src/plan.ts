/**
 * A program prepared for the sharing engine: its per-node plan, the digest
 * every party checks before using an input, and — for the additive scheme —
 * the preprocessing it needs, found by a dry run of the very protocol code
 * on data-free shares (so the count can never drift from what the online
 * phase consumes). The offline phase then makes exactly that many triples
 * ahead of the online phase.
 */
import { canonicalEncoding, type Program } from '@parley/circuit';
import { sha256 } from '@parley/crypto';
import { InvalidArgument } from '@parley/interface';
import { type NodePlan, planProgram } from './analysis.js';
import type { SharingProtocol } from './backend.js';
import { BeaverAdditive } from './beaverAdditive.js';
import { evaluate } from './evaluator.js';
import { checkDivisions } from './fixedDivision.js';
import { flushLocally } from './protocol.js';

export const PROTOCOL_VERSION = 'parley-sharing-v1';

/** Largest number of parties of the additive scheme (pairwise OT between all of them). */
export const MAX_SHARING_PARTIES = 16;

export interface Preprocessing {
  /** Beaver triples over Z_2^64. */
  multiplications: number;
  /** Words of bit-sliced AND triples (64 triples each). */
  andWords: number;
  /** Rounds of the online phase (after setup). */
  rounds: number;
}

export interface PreparedSharing {
  program: Program;
  protocol: SharingProtocol;
  plans: NodePlan[];
  digest: Uint8Array;
  /** The additive scheme's triples (zero for the replicated scheme, which needs none). */
  preprocessing: Preprocessing;
}

export function prepareSharing(program: Program, protocol: SharingProtocol): PreparedSharing {
  const parties = program.parties.length;
  if (protocol === 'replicated' && parties !== 3) {
    throw new InvalidArgument(
      `replicated sharing runs three-party computations; this one has ${parties} parties (use the additive 'sharing' protocol)`,
      { field: 'protocol' },
    );
  }
  if (protocol === 'additive' && (parties < 2 || parties > MAX_SHARING_PARTIES)) {
    throw new InvalidArgument(
      `additive sharing runs 2 to ${MAX_SHARING_PARTIES} parties; this computation has ${parties}`,
      {
        field: 'parties',
      },
    );
  }
  checkDivisions(program, protocol);
  const plans = planProgram(program);
  const header = new TextEncoder().encode(
    JSON.stringify({ version: PROTOCOL_VERSION, protocol, parties: program.parties }),
  );
  const digest = sha256(header, canonicalEncoding(program, { name: 'sharing', protocol }));
  const preprocessing =
    protocol === 'additive' ? dryRun(program, plans) : { multiplications: 0, andWords: 0, rounds: 0 };
  return { program, protocol, plans, digest, preprocessing };
}

function dryRun(program: Program, plans: NodePlan[]): Preprocessing {
  const B = BeaverAdditive.shape(0, program.parties.length);
  const run = evaluate(B, { program, plans, inputs: new Map() });
  let rounds = 0;
  let r = run.next();
  while (!r.done) {
    rounds++;
    r = run.next(flushLocally(r.value));
  }
  return { ...B.counters, rounds };
}
