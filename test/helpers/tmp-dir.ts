// Test helper: a fresh directory under os.tmpdir() per test, removed afterwards.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/** Registers hooks that create a temp dir before each test and delete it after; returns a getter. */
export function useTmpDir(prefix: string): () => string {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), `dataflow-${prefix}-`));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}
