/** Shared domain types of Parley (parties, engines). No runtime code. */

/** A party of a computation or consortium, named by a short identifier such as `bankA`. */
export type PartyName = string;

/** The security model an engine provides, stated in its API. */
export interface SecurityModel {
  /** `semi-honest`: parties follow the protocol; `malicious`: they may deviate. */
  adversary: 'semi-honest' | 'malicious';
  /** `dishonest-majority`: secure if all but one collude; `honest-majority`: if a majority is honest. */
  corruption: 'dishonest-majority' | 'honest-majority';
}

/** Sends bytes to a named party: the engine boundary of mpc-framework. */
export type SendFn = (to: PartyName, bytes: Uint8Array) => void;

/** One member of a consortium: its name, Ed25519 identity public key (hex, 32 bytes) and node address. */
export interface ConsortiumMember {
  name: PartyName;
  /** Ed25519 public key, 64 lowercase hex characters. */
  publicKey: string;
  /** `host:port` of the member's node. */
  address: string;
}

/** The consortium file: who the parties are. Public; shared by every node and auditor. */
export interface Consortium {
  name?: string;
  parties: ConsortiumMember[];
}

/**
 * The states of a job, as nodes store them and their API reports them
 * (DESIGN.md, "How a job flows"):
 *   proposed → approved → inputs-committed → computing → delivered → recorded,
 *   or refused, failed, cancelled.
 */
export const JOB_STATES = [
  'proposed',
  'approved',
  'refused',
  'inputs-committed',
  'computing',
  'delivered',
  'recorded',
  'failed',
  'cancelled',
] as const;
export type JobState = (typeof JOB_STATES)[number];

/** A job's ledger note: its entry's sequence number once recorded, or why recording it failed. */
export type JobLedger = { seq: number } | { error: string };

/** A job as a node stores it and its API reports it. */
export interface JobRecord {
  id: string;
  /** SHA-256 of the computation's canonical encoding, hex. */
  computationId: string;
  name: string;
  parties: string[];
  proposer: string;
  state: JobState;
  /** For refused, failed and cancelled jobs: the typed error's code and message. */
  error?: { code: string; message: string };
  createdAt: number;
  updatedAt: number;
  /** The job's ledger entry once recorded; or why recording it failed (its proposer tries again later). */
  ledger?: JobLedger;
}

/** The ledger entry's sequence number, once the job is recorded. */
export function ledgerSeq(record: Pick<JobRecord, 'ledger'>): number | undefined {
  return record.ledger !== undefined && 'seq' in record.ledger ? record.ledger.seq : undefined;
}

/** One state transition of a job, with its time. */
export interface JobEvent {
  state: JobState;
  at: number;
  detail?: string;
}
