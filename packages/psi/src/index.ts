/**
 * @parley/psi: private joins on keys for Parley's analytics. `ecdhJoin`
 * runs the n-party ECDH join (semi-honest) over any ordered channel; the
 * node aligns each party's payload columns to the joined rows before they
 * are secret-shared into an engine.
 */
export { CommutativeKey, hashToPoints, POINT_BYTES } from './commutativeX25519.js';
export {
  checkDistinctKeys,
  ecdhJoin,
  type JoinChannel,
  type JoinOptions,
  type JoinResult,
  MAX_CHUNK_POINTS,
  MAX_KEYS,
} from './ecdhJoin.js';
export {
  BLIND_STEP,
  decodeJoinMessage,
  encodeJoinMessage,
  FINAL_STEP,
  type JoinMessage,
  RETURN_STEP,
  ROWS_STEP,
} from './joinWire.js';
