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
export * from './defineComputation.js';
export * from './parleyEngine.js';
