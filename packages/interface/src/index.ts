export * from './consortium.js';
export * from './errors.js';
export * from './inbox.js';
export * from './own.js';
export * from './tables.js';
export * from './text.js';
export * from './types.js';
