export { setUpDemo } from './demo/demoSetup.js';
export {
  asUsageError,
  checkPartyNodeFlags,
  finishExample,
  PARTY_NODE_OPTIONS,
  runExample,
  UsageError,
} from './demo/exampleCommandLine.js';
export {
  type FraudDemoOptions,
  type FraudJobReport,
  fraudJobTimeoutMs,
  readDemoData,
  runFraudDemo,
  runFraudJob,
} from './demo/fraudDemo.js';
export {
  type FollowJobOptions,
  type ReceiptReportOptions,
  reportReceipt,
  submitAndFollow,
} from './demo/jobReport.js';
export { type LocalNodes, type LocalNodesOptions, onLocalNodes } from './demo/localNodes.js';
export { NodeProcesses } from './demo/nodeProcesses.js';
export {
  inNodeDirectory,
  type PartyNode,
  readNodePolicy,
  readPartyNodes,
} from './demo/partyNodeDirectories.js';
export {
  type PartyNodeData,
  refuseNonEmptyDirectory,
  setUpPartyNodes,
} from './demo/partyNodeSetup.js';
export { displayPath, type ProgressLines, progressLines, secondsSince } from './demo/progressLines.js';
export { main } from './program.js';
