export * from './bytes.js';
export * from './ed25519.js';
export * from './hash.js';
export * from './memberKeys.js';
export * from './random.js';
