export { NodeProcesses } from './demo/nodeProcesses.js';
export { main } from './program.js';
