/**
 * The typed errors of Parley. Every error a package throws across its public
 * surface is a `ParleyError` with a stable `name` and `code`; callers match on
 * `code` (or `instanceof`), never on message text. Messages name what is wrong
 * and where, and never contain secret values.
 *
 * Families:
 * - `user`: bad input from a user or operator (a file, a flag, a value).
 * - `security`: a protocol or integrity check failed (MAC, label, signature,
 *   identity); the session is aborted.
 * - `transport`: the network failed (peer gone, timeout, bad frame).
 * - `internal`: a bug or an impossible state.
 */

export type ErrorFamily = 'user' | 'security' | 'transport' | 'internal';

export interface ErrorDetails {
  /** File the error refers to, if any. */
  file?: string;
  /** 1-based line number in `file`, if any. */
  line?: number;
  /** Name of the field, input, column or option at fault. */
  field?: string;
  /** Party (peer) concerned. */
  party?: string;
  /** Sequence number (ledger entry, frame) concerned. */
  seq?: number;
  [key: string]: unknown;
}

export class ParleyError extends Error {
  readonly code: string;
  readonly family: ErrorFamily;
  readonly details: ErrorDetails;

  constructor(
    code: string,
    family: ErrorFamily,
    message: string,
    details: ErrorDetails = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    this.family = family;
    this.details = details;
  }

  /** A plain object that can cross a worker or the wire and be rebuilt with `errorFromJSON`. */
  toJSON(): { name: string; code: string; family: ErrorFamily; message: string; details: ErrorDetails } {
    return {
      name: this.name,
      code: this.code,
      family: this.family,
      message: this.message,
      details: this.details,
    };
  }
}

type ErrorClass = new (message: string, details?: ErrorDetails, options?: ErrorOptions) => ParleyError;

const registry = new Map<string, ErrorClass>();

function defineError(name: string, code: string, family: ErrorFamily): ErrorClass {
  const cls = class extends ParleyError {
    constructor(message: string, details: ErrorDetails = {}, options?: ErrorOptions) {
      super(code, family, message, details, options);
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: false, enumerable: false });
  registry.set(code, cls);
  return cls;
}

// user
export const InvalidInput = defineError('InvalidInput', 'INVALID_INPUT', 'user');
export const InvalidArgument = defineError('InvalidArgument', 'INVALID_ARGUMENT', 'user');
export const CircuitFormatError = defineError('CircuitFormatError', 'CIRCUIT_FORMAT', 'user');
export const InvalidCircuit = defineError('InvalidCircuit', 'INVALID_CIRCUIT', 'user');
export const TypeMismatch = defineError('TypeMismatch', 'TYPE_MISMATCH', 'user');
export const LimitExceeded = defineError('LimitExceeded', 'LIMIT_EXCEEDED', 'user');
export const ConfigError = defineError('ConfigError', 'CONFIG', 'user');
export const NotFound = defineError('NotFound', 'NOT_FOUND', 'user');
export const Unsupported = defineError('Unsupported', 'UNSUPPORTED', 'user');
/** A party's policy refused a job proposal; the message names the party and its reason. */
export const PolicyRefused = defineError('PolicyRefused', 'POLICY_REFUSED', 'user');
/** The operator cancelled a job. */
export const JobCancelled = defineError('JobCancelled', 'CANCELLED', 'user');
/** The request does not fit the current state of what it acts on (e.g. cancelling a finished job). */
export const Conflict = defineError('Conflict', 'CONFLICT', 'user');

// security
export const MacCheckError = defineError('MacCheckError', 'MAC_CHECK', 'security');
export const SetupMismatchError = defineError('SetupMismatchError', 'SETUP_MISMATCH', 'security');
export const InvalidOutputLabel = defineError('InvalidOutputLabel', 'INVALID_OUTPUT_LABEL', 'security');
export const SignatureError = defineError('SignatureError', 'SIGNATURE', 'security');
export const PeerNotAuthorized = defineError('PeerNotAuthorized', 'PEER_NOT_AUTHORIZED', 'security');
export const ProtocolViolation = defineError('ProtocolViolation', 'PROTOCOL_VIOLATION', 'security');
export const LedgerTampered = defineError('LedgerTampered', 'LEDGER_TAMPERED', 'security');
/** A ledger commit was refused by a node whose own record of the job differs; nothing was appended anywhere. */
export const LedgerCommitRefused = defineError('LedgerCommitRefused', 'LEDGER_COMMIT_REFUSED', 'security');

// transport
export const PeerDisconnected = defineError('PeerDisconnected', 'PEER_DISCONNECTED', 'transport');
export const Timeout = defineError('Timeout', 'TIMEOUT', 'transport');
export const MalformedFrame = defineError('MalformedFrame', 'MALFORMED_FRAME', 'transport');
export const FrameTooLarge = defineError('FrameTooLarge', 'FRAME_TOO_LARGE', 'transport');
export const OutOfSequence = defineError('OutOfSequence', 'OUT_OF_SEQUENCE', 'transport');
export const UnknownSession = defineError('UnknownSession', 'UNKNOWN_SESSION', 'transport');
export const SessionClosed = defineError('SessionClosed', 'SESSION_CLOSED', 'transport');
/** A node restarted while one of its jobs was in flight; the job failed. */
export const NodeRestarted = defineError('NodeRestarted', 'NODE_RESTARTED', 'transport');

// internal
export const InternalError = defineError('InternalError', 'INTERNAL', 'internal');

/** `e` as a ParleyError: itself, or an `InternalError` saying `what` failed and naming `e`. */
export function asParleyError(e: unknown, what: string): ParleyError {
  if (e instanceof ParleyError) return e;
  const name = e instanceof Error ? e.name : typeof e;
  const message = e instanceof Error ? e.message : String(e);
  return new InternalError(`${what}: ${name}: ${message}`, {}, { cause: e });
}

/**
 * What a session tells its peers of the error that ended it: a ParleyError
 * as it is (its messages are written to be shared and name no secret), an
 * internal error or any other error only as 'internal error', since its text
 * (often a wrapped runtime error's) was not written for a peer's eyes.
 */
export function errorForPeers(
  e: Error,
): ReturnType<ParleyError['toJSON']> | { code: 'INTERNAL'; message: string } {
  return e instanceof ParleyError && e.code !== 'INTERNAL'
    ? e.toJSON()
    : { code: 'INTERNAL', message: 'internal error' };
}

/** Rebuilds a typed error from `ParleyError#toJSON()` output (e.g. after crossing a worker or the wire). */
export function errorFromJSON(json: { code?: unknown; message?: unknown; details?: unknown }): ParleyError {
  const code = typeof json.code === 'string' ? json.code : 'INTERNAL';
  const message = typeof json.message === 'string' ? json.message : 'unknown error';
  const details = json.details && typeof json.details === 'object' ? (json.details as ErrorDetails) : {};
  const cls = registry.get(code);
  return cls ? new cls(message, details) : new ParleyError(code, 'internal', message, details);
}

/** True when `e` is a ParleyError with the given code. */
export function hasCode(e: unknown, code: string): e is ParleyError {
  return e instanceof ParleyError && e.code === code;
}
