/**
 * Suite `sharing`: the secret-sharing engine. The offline phase (Beaver
 * triples made by OT, kernels) and the online phase (multiplications,
 * comparisons, sigmoid in the additive and replicated modes) are measured by
 * the modules in bench/src/sharing/.
 */
import type { BenchSuite } from '../harness.js';
import { runOfflineBench } from '../sharing/offline.js';
import { runOnlineBench } from '../sharing/online.js';

const suite: BenchSuite = {
  name: 'sharing',
  async run(ctx) {
    await runOfflineBench(ctx);
    await runOnlineBench(ctx);
  },
};
export default suite;
