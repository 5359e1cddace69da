export * from './fixedKeyAes.js';
export * from './garblerPool.js';
export * from './halfGates.js';
export * from './local.js';
export * from './otContexts.js';
export * from './program.js';
export * from './twoPartySession.js';
export * from './wire.js';
