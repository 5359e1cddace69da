/**
 * The hot loops of the engine (Z_2^64 multiply-add, bit-sliced AND/XOR, share
 * reconstruction): the WebAssembly SIMD kernels of @parley/kernels, which fall
 * back to their plain-JS twins where WebAssembly does not pay.
 */
export {
  add64,
  and64,
  beaverMul64,
  crossMul64,
  mul64,
  mulAdd64,
  sub64,
  sumShares64,
  xor64,
} from '@parley/kernels';
