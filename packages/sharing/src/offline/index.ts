/**
 * The offline phase of the secret-sharing engine: Beaver triples over Z_2^64
 * and Z_2 made pairwise from IKNP OT extension (Gilboa products, random-OT
 * bit products), no trusted dealer.
 */
export {
  MAX_TRIPLES_PER_CALL,
  type OfflineStats,
  OtTripleSource,
  type OtTripleSourceOptions,
} from './otTriples.js';
export type { OtExtension } from './pairwise.js';
export type { ArithmeticTriples, BooleanTriples, TripleSource } from './tripleSource.js';
