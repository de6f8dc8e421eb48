// Test runner settings: unit tests mirror the source folders; integration tests start real
// executor processes, so they get longer timeouts and run one file at a time per worker. The
// longest files start first (test/longest-first.ts), so the two workers finish together.
//
// Two projects: unit files share their worker's module graph (isolate: false), so the engine is
// imported once per worker instead of once per file, about half their CPU; integration files keep
// a fresh module graph each (they start executors, servers and sessions with process-wide state).
import { defineConfig } from 'vitest/config';
import { LongestFirst } from './test/longest-first.ts';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], isolate: false } },
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: ['test/unit/**', '**/node_modules/**'], isolate: true } },
    ],
  },
});
