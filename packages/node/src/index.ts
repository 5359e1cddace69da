export * from './daemon/partyNode.js';
export * from './data/dataSources.js';
export * from './loopbackRun.js';
export * from './setup/initNode.js';
export * from './setup/nodeConfig.js';
export * from './setup/policyFile.js';
export * from './setup/publicIdentity.js';
export * from './workerRun.js';
