export * from './offline/index.js';
