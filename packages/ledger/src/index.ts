/**
 * @parley/ledger: the shared tamper-evident ledger. An append-only Merkle log
 * (RFC 9162 hashing and proofs) of canonical job records, tree heads co-signed
 * by every member, receipts that verify offline with the consortium file
 * alone, SQLite and PostgreSQL storage, and the protocols that keep the
 * replicas of the nodes identical.
 */
export { type CanonicalValue, decodeCanonical, encodeCanonical } from './canonicalMsgpack.js';
export {
  type CatchUpBatch,
  type CatchUpSource,
  catchUp,
  ledgerCatchUpSource,
  requestCatchUp,
  serveCatchUp,
} from './catchUp.js';
export { type CommitMessage, decodeCommitMessage, encodeCommitMessage } from './commitMessages.js';
export {
  type CommitPeers,
  type CommitResult,
  LedgerCommitter,
  type LedgerCommitterOptions,
} from './commitProtocol.js';
export {
  checkLedgerConsortium,
  consortiumFingerprint,
  consortiumKeys,
  parseLedgerConsortium,
} from './consortium.js';
export {
  type AppData,
  canonicalJson,
  checkName as checkEntryName,
  decodeEntry,
  ENTRY_FORMAT_VERSION,
  encodeEntry,
  entryToJSON,
  type JsonValue,
  type LedgerEntry,
  type LedgerEntryInput,
  type LedgerEntryJSON,
  LIMITS,
  MAX_TIME_MS,
  OUTCOMES,
  type Outcome,
  validateEntry,
} from './entry.js';
export { compareEntryWithJob, type JobRecords, type LocalJobView } from './jobCheck.js';
export { Ledger, type LedgerSigner, MAX_BATCH_ENTRIES, type PreparedAppend } from './ledger.js';
export { MemoryStore } from './memoryStore.js';
export {
  CompactRange,
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  merkleRoot,
  nodeHash,
  type RangeHasher,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';
export { MerkleTree } from './merkleTree.js';
export {
  isPostgresUrl,
  NODE_CONSORTIUM_FILE,
  NODE_LEDGER_FILE,
  nodeLedgerPaths,
  openLedgerStore,
  readConsortiumFile,
} from './nodeDirectory.js';
export {
  DEFAULT_POSTGRES_SCHEMA,
  POSTGRES_FORMAT,
  PostgresStore,
  type PostgresStoreOptions,
} from './postgresStore.js';
export {
  buildReceipt,
  MAX_RECEIPT_BYTES,
  parseReceiptText,
  RECEIPT_FORMAT,
  type ReceiptJSON,
  type ReceiptVerification,
  verifyReceipt,
} from './receipt.js';
export { SQLITE_FORMAT, SqliteStore, type SqliteStoreOptions } from './sqliteStore.js';
export type { EntryColumns, EntryRecord, LedgerStore, StoredEntry } from './store.js';
export {
  assertTreeHeadSigned,
  type SignedTreeHead,
  type SignedTreeHeadJSON,
  signTreeHead,
  type TreeHead,
  treeHeadFromJSON,
  treeHeadMessage,
  treeHeadProblems,
  treeHeadToJSON,
  verifyTreeHeadSignature,
} from './treeHead.js';
export {
  type LedgerProblem,
  type LedgerProblemKind,
  type LedgerReport,
  type VerifyLedgerOptions,
  verifyLedger,
} from './verifyLedger.js';
