// The order vitest's two workers take the test files in: longest first, so that the two finish
// together instead of one running a long file alone at the end (a clean clone has no timings of
// vitest's own, which then orders by file size). Seconds per file come from test/durations.json
// (a whole clean-clone CI run on this 2-core machine; refresh it from one when files grow or move). A file it
// does not list is assumed to take UNLISTED_SECONDS in test/integration/ (real processes) and
// UNLISTED_UNIT_SECONDS elsewhere.

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer } from 'vitest/node';
import type { TestSpecification } from 'vitest/node';

const UNLISTED_SECONDS = 30;
const UNLISTED_UNIT_SECONDS = 2;

const recorded = JSON.parse(readFileSync(new URL('./durations.json', import.meta.url), 'utf8')) as { seconds: Record<string, number> };

/** Expected seconds of a test file, by its path from the repository root (test/...). */
export function expectedSeconds(file: string): number {
  return recorded.seconds[file] ?? (file.startsWith('test/integration/') ? UNLISTED_SECONDS : UNLISTED_UNIT_SECONDS);
}

export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const seconds = (spec: TestSpecification): number => expectedSeconds(relative(root, spec.moduleId).split('\\').join('/'));
    return [...files].sort((a, b) => seconds(b) - seconds(a));
  }
}
