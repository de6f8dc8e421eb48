// Tests for loadBundle: the bundle is written content-addressed with its source map, imported once
// per hash, sees the host's engine (shared classes), and load failures say why.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleJob } from '../../../engine/closure/bundle.ts';
import { BundleLoadError } from '../../../engine/closure/errors.ts';
import { loadBundle } from '../../../engine/closure/load-bundle.ts';
import { FakeDataset, fakeEngine, fakeEngineExports, makeTempDir, removeDir } from './fixtures.ts';

const JOB = `import { tableFromArrays, Table } from 'apache-arrow';
import { Dataset, double, VERSION } from 'dataflow';
import { scale } from './lib/scale.ts';

export const makeTable = () => tableFromArrays({ x: Int32Array.from([1, 2, 3]) });

export default async function main(session: unknown, args: string[]) {
  const t = makeTable();
  return { rows: t.numRows, isTable: t instanceof Table, ds: new Dataset([1, 2]), d: double(scale(2)), v: VERSION };
}
`;

let dir: string;
let workDir: string;
beforeAll(async () => {
  dir = await makeTempDir({
    'job.ts': JOB,
    'lib/scale.ts': 'export const scale = (x: number): number => x * 10;\n',
    'throws-at-import.ts': `throw new Error('top level exploded');\nexport default async function main() {}\n`,
  });
  workDir = await makeTempDir();
});
afterAll(async () => {
  await removeDir(dir);
  await removeDir(workDir);
});

describe('loadBundle', () => {
  it('writes <hash>.mjs and its map, imports it once, and the job sees the host engine', async () => {
    const bundle = await bundleJob(path.join(dir, 'job.ts'), { engineExports: fakeEngineExports });
    const loaded = await loadBundle(bundle, { workDir, engine: fakeEngine });
    expect(loaded.hash).toBe(bundle.hash);
    expect(loaded.file).toBe(path.join(workDir, 'bundles', `${bundle.hash}.mjs`));
    const written = readFileSync(loaded.file, 'utf8');
    expect(written.startsWith(bundle.code)).toBe(true);
    expect(written).toContain(`//# sourceMappingURL=${bundle.hash}.mjs.map`);
    expect(existsSync(`${loaded.file}.map`)).toBe(true);

    const main = loaded.module.default as (s: unknown, a: string[]) => Promise<Record<string, unknown>>;
    const result = await main(undefined, []);
    expect(result.rows).toBe(3);
    expect(result.isTable).toBe(true);
    expect(result.ds).toBeInstanceOf(FakeDataset); // one engine copy: instanceof works across the bundle boundary
    expect(result.d).toBe(40);
    expect(result.v).toBe('fake-engine-1');

    const again = await loadBundle(bundle, { workDir, engine: fakeEngine });
    expect(again).toBe(loaded);
  });

  it('shares apache-arrow with the host when built with sharedModules', async () => {
    const bundle = await bundleJob(path.join(dir, 'job.ts'), {
      engineExports: fakeEngineExports,
      sharedModules: { 'apache-arrow': Object.keys(arrow) },
    });
    const loaded = await loadBundle(bundle, { workDir, engine: fakeEngine, sharedModules: { 'apache-arrow': arrow } });
    const table = (loaded.module.makeTable as () => unknown)();
    expect(table).toBeInstanceOf(arrow.Table);
  });

  it('refuses a bundle whose code does not match its hash', async () => {
    const bundle = await bundleJob(path.join(dir, 'lib/scale.ts'), { engineExports: [] });
    const tampered = { ...bundle, code: bundle.code + '\n// changed\n' };
    const error = await loadBundle(tampered, { workDir, engine: fakeEngine }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BundleLoadError);
    expect((error as BundleLoadError).code).toBe('BUNDLE_LOAD_FAILED');
    expect((error as Error).message).toContain('corrupt');
  });

  it('reports an error thrown while importing, and does not cache the failure', async () => {
    const bundle = await bundleJob(path.join(dir, 'throws-at-import.ts'), { engineExports: [] });
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await loadBundle(bundle, { workDir, engine: fakeEngine }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BundleLoadError);
      expect((error as Error).message).toContain('top level exploded');
      expect((error as Error).message).toContain(path.join(dir, 'throws-at-import.ts'));
    }
  });
});
