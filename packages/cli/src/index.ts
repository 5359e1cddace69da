export { setUpDemo } from './demo/demoSetup.js';
export {
  type FraudDemoOptions,
  type FraudJobReport,
  fraudJobTimeoutMs,
  readDemoData,
  runFraudDemo,
  runFraudJob,
} from './demo/fraudDemo.js';
export { NodeProcesses } from './demo/nodeProcesses.js';
export { main } from './program.js';
