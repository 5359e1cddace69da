export {
  bit,
  CircuitBuilder,
  fixed,
  int,
  parseType,
  type Program,
  uint,
  type Value,
  type ValueType,
} from '@parley/circuit';
export * from './canonical.js';
export * from './defineComputation.js';
