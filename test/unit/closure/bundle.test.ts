// Tests for bundleJob: what goes into a job bundle (the job's files and npm packages), what stays
// out (node builtins, the engine), and how failures read.

import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleJob } from '../../../engine/closure/bundle.ts';
import { JobBundleError } from '../../../engine/closure/errors.ts';
import { defaultEngineIndexPath } from '../../../engine/closure/host-engine.ts';
import { fakeEngineExports, makeTempDir, removeDir } from './fixtures.ts';

const JOB = `import { tableFromArrays } from 'apache-arrow';
import { readFileSync } from 'node:fs';
import { Dataset, double } from 'dataflow';
import { VERSION } from './fake-engine/index.ts';
import { scale } from './lib/scale.ts';

export default async function main(session: unknown, args: string[]) {
  const t = tableFromArrays({ x: Float64Array.from([1, 2, 3]) });
  return { rows: t.numRows, ds: new Dataset([1]), d: double(scale(2)), v: VERSION, r: typeof readFileSync };
}
`;

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir({
    'job.ts': JOB,
    'lib/scale.ts': 'export const scale = (x: number): number => x * 10;\n',
    'fake-engine/index.ts': `throw new Error('ENGINE COPY MUST NOT BE BUNDLED');\n`,
    'broken.ts': 'export default async function main() {\n  const x = 1;\n  const y = ;\n}\n',
    'missing-import.ts': `import { nope } from './not-there.ts';\nexport default async function main() { return nope; }\n`,
    'uses-default-engine.ts': `import { double } from '${defaultEngineIndexPath}';\nexport default async function main() { return double(4); }\n`,
  });
});
afterAll(() => removeDir(dir));

const options = () => ({ engineExports: fakeEngineExports, engineIndexPath: path.join(dir, 'fake-engine/index.ts') });

describe('bundleJob', () => {
  it('bundles relative and npm imports, keeps builtins external and replaces the engine by a shim', async () => {
    const bundle = await bundleJob(path.join(dir, 'job.ts'), options());
    expect(bundle.hash).toBe(createHash('sha256').update(bundle.code).digest('hex'));
    expect(bundle.jobPath).toBe(path.join(dir, 'job.ts'));
    // the relative import and apache-arrow are inside
    expect(bundle.code).toContain('x * 10');
    expect(bundle.code).toMatch(/function tableFromArrays\(/);
    expect(bundle.code).not.toMatch(/from\s+["']apache-arrow["']/);
    // node builtins stay imports
    expect(bundle.code).toMatch(/from\s+["']node:fs["']/);
    // the engine, by bare name or by path, is read from the host
    expect(bundle.code).not.toContain('ENGINE COPY MUST NOT BE BUNDLED');
    expect(bundle.code).toContain(`Symbol.for("dataflow.engine")`);
    for (const name of fakeEngineExports) expect(bundle.code).toContain(`e["${name}"]`);
    // the source map names the job's own files by absolute path
    const map = JSON.parse(bundle.sourceMap) as { sources: string[] };
    expect(map.sources).toContain(path.join(dir, 'job.ts'));
    expect(map.sources).toContain(path.join(dir, 'lib/scale.ts'));
  });

  it('is deterministic: the same job gives the same hash', async () => {
    const a = await bundleJob(path.join(dir, 'lib/scale.ts'), options());
    const b = await bundleJob(path.join(dir, 'lib/scale.ts'), options());
    expect(a.hash).toBe(b.hash);
  });

  it('recognises an import of the default engine index by absolute path', async () => {
    const bundle = await bundleJob(path.join(dir, 'uses-default-engine.ts'), { engineExports: ['double'] });
    expect(bundle.code).toContain(`Symbol.for("dataflow.engine")`);
    expect(bundle.code).toContain('e["double"]');
  });

  it('takes shared modules from the host instead of bundling them', async () => {
    const bundle = await bundleJob(path.join(dir, 'job.ts'), {
      ...options(),
      sharedModules: { 'apache-arrow': ['tableFromArrays', 'Table'] },
    });
    expect(bundle.code).not.toMatch(/function tableFromArrays\(/);
    expect(bundle.code).toContain(`Symbol.for("dataflow.shared-modules")`);
  });

  it('names a missing job file (ENOENT)', async () => {
    const missing = path.join(dir, 'nope.ts');
    const error = await bundleJob(missing, options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobBundleError);
    expect((error as JobBundleError).code).toBe('JOB_BUNDLE');
    expect((error as Error).message).toContain(missing);
    expect((error as Error).message).toContain('ENOENT');
  });

  it('refuses a directory', async () => {
    const error = await bundleJob(dir, options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobBundleError);
    expect((error as Error).message).toContain('is not a file');
  });

  it('reports a syntax error with file:line:col and the offending line', async () => {
    const error = await bundleJob(path.join(dir, 'broken.ts'), options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobBundleError);
    const message = (error as Error).message;
    expect(message).toContain(`${path.join(dir, 'broken.ts')}:3:13`);
    expect(message).toContain('Unexpected ";"');
    expect(message).toContain('const y = ;');
  });

  it('reports an unresolvable import with the importing file and line', async () => {
    const error = await bundleJob(path.join(dir, 'missing-import.ts'), options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobBundleError);
    expect((error as Error).message).toContain(`${path.join(dir, 'missing-import.ts')}:1:`);
    expect((error as Error).message).toContain('./not-there.ts');
  });
});
