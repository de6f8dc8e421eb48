// Test runner settings: unit tests mirror the source folders; integration tests start real
// executor processes, so they get longer timeouts and run one file at a time per worker. The
// longest files start first (test/longest-first.ts), so the two workers finish together.
//
// Two projects, unit and integration, whose files share their worker's module graph (isolate:
// false): the engine is imported once per worker instead of once per file. For the integration
// files that was 84 of a 510-s run's import seconds (a clean-clone run with ../shared, 2026-12-04);
// shared, 34 s, and the run took 448 s. So a file must leave the process as it found it: sessions,
// clusters and servers stopped, process.env restored (storage-sources and model-storage save it).
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
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: ['test/unit/**', '**/node_modules/**'], isolate: false } },
    ],
  },
});
