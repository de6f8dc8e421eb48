// Test runner settings: unit tests mirror the source folders; integration tests start real
// executor processes, so they get longer timeouts and run one file at a time per worker. The
// longest files start first (test/longest-first.ts), so the two workers finish together.
import { defineConfig } from 'vitest/config';
import { LongestFirst } from './test/longest-first.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
  },
});
