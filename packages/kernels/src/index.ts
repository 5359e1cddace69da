/**
 * @parley/kernels: the vectorised hot loops of Parley. Each kernel has a
 * WebAssembly SIMD (v128) implementation assembled at build time from the
 * WebAssembly text in ../wasm/ and a plain-JS twin with the same contract;
 * tests check they agree and the bench (`npm run bench -- --suite kernels`)
 * measures both.
 */
export { type KernelBackend, wasmStatus } from './_wasm.js';
export { allocWords, carryOut, nonZero32 } from './_words.js';
export { inJsArena, KernelArena, type KernelArenaOptions, MAX_ARENA_BYTES, wasmKernelsFor } from './arena.js';
export { packBits, packBitsJs, unpackBits, unpackBitsJs } from './bits.js';
export { and64, and64Js, xor64, xor64Js } from './bitsliced.js';
export {
  evaluateFinish,
  evaluateFinishJs,
  evaluateGather,
  evaluateGatherJs,
  garbleFinish,
  garbleFinishJs,
  garbleGather,
  garbleGatherJs,
  tccrTweak,
  tccrTweakJs,
  xorGates,
  xorGatesJs,
} from './garbling.js';
export {
  ccrSigma,
  ccrSigmaJs,
  ccrSigmaPairs,
  ccrSigmaPairsJs,
  gilboaReceiveCorrect,
  gilboaReceiveCorrectJs,
  gilboaReceiveHash,
  gilboaReceiveHashJs,
  gilboaSend,
  gilboaSendJs,
  rotBitsCorrect,
  rotBitsCorrectJs,
  rotBitsReceive,
  rotBitsReceiveJs,
  rotBitsSend,
  rotBitsSendJs,
} from './ole.js';
export {
  add64,
  add64Js,
  beaverMul64,
  beaverMul64Js,
  crossMul64,
  crossMul64Js,
  mul64,
  mul64Js,
  mulAdd64,
  mulAdd64Js,
  sub64,
  sub64Js,
  sumShares64,
  sumShares64Js,
} from './ring64.js';
export { transpose128, transposeBitMatrix, transposeBitMatrixJs } from './transpose.js';
export {
  xorBlocks,
  xorBlocks3,
  xorBlocks3Js,
  xorBlocksConst,
  xorBlocksConstJs,
  xorBlocksConstSelect,
  xorBlocksConstSelectJs,
  xorBlocksCounter,
  xorBlocksCounterJs,
  xorBlocksJs,
  xorBlocksMasked,
  xorBlocksMaskedJs,
  xorBlocksMaskedPair,
  xorBlocksMaskedPairJs,
} from './xor.js';
