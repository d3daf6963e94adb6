/**
 * Lists every skipped test at the end of a run, with the reason its name states, so a CI log
 * shows not only how many tests skipped (vitest's own summary) but which ones and why.
 * Skip conditions in this suite put their reason in the suite or test name ("needs root ...",
 * "the shared datasets are not at ...").
 */
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

export default class SkipSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const skipped: string[] = [];
    let ran = 0;
    for (const module of testModules) {
      const file = path.relative(process.cwd(), module.moduleId);
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'skipped') skipped.push(`  ${file}: ${test.fullName}${result.note ? ` (${result.note})` : ''}`);
        else if (result.state !== 'pending') ran++;
      }
    }
    const lines = [`\nTests run: ${ran}, skipped: ${skipped.length}`];
    if (skipped.length > 0) lines.push('Skipped, with the reason each states:', ...skipped);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
