export {
  bit,
  CANONICAL_FORMAT,
  CircuitBuilder,
  canonicalEncoding,
  canonicalJson,
  computationId,
  fixed,
  int,
  type Program,
  parseType,
  uint,
  type Value,
  type ValueType,
} from '@parley/circuit';
export { type ReceiptJSON, type ReceiptVerification, verifyReceipt } from '@parley/ledger';
export * from './analytics/index.js';
export { NodeUnreachable, NotRecorded, Unauthorized } from './client/clientErrors.js';
export {
  type ConnectOptions,
  type ConnectTarget,
  connect,
  type ListOptions,
  MAX_SUBMIT_BYTES,
  type NodeHealth,
  type ParleyClient,
  type SubmitRequest,
} from './client/connect.js';
export { DEFAULT_POLL_INTERVAL_MS, JobHandle, type WaitOptions } from './client/jobHandle.js';
export {
  decodeOutput,
  decodeOutputs,
  type EncodedOutput,
  FAILED_STATES,
  FINAL_STATES,
  isFinalState,
  JOB_STATES,
  type JobEvent,
  type JobLedger,
  type JobProgress,
  type JobRecord,
  type JobState,
  type JobStatus,
  jobError,
  ledgerSeq,
} from './client/jobRecord.js';
export { NODE_CONFIG_FILE, NODE_RUN_FILE, type NodeApi, resolveNodeApi } from './client/nodeDirectory.js';
export * from './defineComputation.js';
export * from './obliviousJoin.js';
export * from './parleyEngine.js';
export { checkProtocol, PROTOCOLS } from './protocols.js';
export * from './tables.js';
