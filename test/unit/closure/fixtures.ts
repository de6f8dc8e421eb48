// Shared helpers for the closure tests: temporary job folders on disk and a small stand-in engine
// (the real engine/index.ts is the lead's; bundles only need some exports to read).

import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export class FakeDataset {
  constructor(readonly rows: number[]) {}
  count(): number {
    return this.rows.length;
  }
}

export const fakeEngine: Record<string, unknown> = {
  Dataset: FakeDataset,
  double: (x: number) => 2 * x,
  VERSION: 'fake-engine-1',
};

export const fakeEngineExports = Object.keys(fakeEngine);

/** A fresh folder under os.tmpdir(); `files` maps relative paths to contents. */
export async function makeTempDir(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dataflow-closure-'));
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
  return dir;
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** 1-based line and column of the first occurrence of `needle` in `text` (throws if absent). */
export function positionOf(text: string, needle: string): { line: number; column: number } {
  const index = text.indexOf(needle);
  if (index === -1) throw new Error(`fixture does not contain ${JSON.stringify(needle)}`);
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}
