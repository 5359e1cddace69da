/**
 * A vitest reporter that ends the run with plain-text summary lines, free of
 * colour codes, for log readers (CI and the acceptance scripts grep them):
 *   Tests  65 passed (65)
 *   65 passed, 0 failed, 0 skipped
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class PlainSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of testModules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++;
    }
    const total = passed + failed + skipped;
    const parts = [`${passed} passed`];
    if (failed > 0) parts.push(`${failed} failed`);
    if (skipped > 0) parts.push(`${skipped} skipped`);
    process.stdout.write(
      `\nTests  ${parts.join(' | ')} (${total})\n${passed} passed, ${failed} failed, ${skipped} skipped\n`,
    );
  }
}
