export * from './loopbackRun.js';
export * from './workerRun.js';
