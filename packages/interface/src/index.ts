export * from './errors.js';
export * from './inbox.js';
export * from './types.js';
