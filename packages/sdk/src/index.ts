export {
  bit,
  CircuitBuilder,
  fixed,
  int,
  type Program,
  parseType,
  uint,
  type Value,
  type ValueType,
} from '@parley/circuit';
export * from './canonical.js';
export * from './defineComputation.js';
export * from './parleyEngine.js';
