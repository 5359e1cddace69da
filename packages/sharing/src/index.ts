/**
 * @parley/sharing: the n-party secret-sharing engine. Additive sharing over
 * Z_2^64 and Z_2 with Beaver triples made by OT (semi-honest, dishonest
 * majority, n ≥ 2) and three-party replicated sharing (semi-honest, honest
 * majority). See README.md for the security model, constructions and
 * fixed-point error bounds.
 */

export { type Domain, type NodePlan, planProgram } from './analysis.js';
export type { SchemeCounters, ShareBackend, SharingProtocol } from './backend.js';
export { type LocalSharingResult, runSharingLocally } from './local.js';
export * from './offline/index.js';
export {
  MAX_SHARING_PARTIES,
  PROTOCOL_VERSION,
  type PreparedSharing,
  type Preprocessing,
  prepareSharing,
} from './plan.js';
export {
  ADDITIVE_SECURITY,
  REPLICATED_SECURITY,
  type SharingOptions,
  type SharingProgress,
  type SharingProtocolName,
  SharingSession,
  type SharingStats,
  schemeOf,
  type TripleSourceFactory,
} from './session.js';
export { MAX_FRAME_PAYLOAD, Tag } from './wire.js';
