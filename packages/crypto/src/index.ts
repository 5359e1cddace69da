export * from './bytes.js';
export * from './ed25519.js';
export * from './hash.js';
export * from './random.js';
