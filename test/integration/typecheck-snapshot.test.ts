// The type-check snapshot of `dataflow submit` (engine/cli/typecheck/snapshot.ts): the first check
// builds it, later checks of a changed job run from it; a snapshot file that crashes Node is
// discarded and rebuilt, and one holding a package's declarations that changed since is not
// trusted: a new snapshot is built by a process that checks the job (the right errors).
// Real CLI processes and real snapshots in a cache folder of the test's own.

import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';

let dir: string;

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'dataflow-typecheck-snapshot-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const checkLine = (stderr: string): string => stderr.split('\n').find((l) => l.includes('typecheck:')) ?? `(no typecheck line in: ${stderr})`;

/** The snapshot folder of the package under `cacheDir` (one per checkout). */
function snapshotDir(cacheDir: string): string {
  const root = join(cacheDir, 'typecheck-snapshot');
  const [only] = readdirSync(root);
  return join(root, only!);
}

const JOB = (type: string, edit = 0): string => `// edit ${edit}
import type { Session } from 'dataflow';
import { greet } from 'greeting';

export default async function main(session: Session): Promise<void> {
  const line: ${type} = greet(await session.range(0, 10).count());
  console.log(line);
}
`;

/** A job folder with an installed package of its own (node_modules/greeting) whose declarations the test changes. */
function jobWithPackage(name: string, declaration: string): string {
  const jobDir = join(dir, name);
  mkdirSync(join(jobDir, 'node_modules', 'greeting'), { recursive: true });
  writeFileSync(join(jobDir, 'node_modules', 'greeting', 'package.json'), JSON.stringify({ name: 'greeting', version: '1.0.0', main: 'index.js', types: 'index.d.ts' }));
  writeFileSync(join(jobDir, 'node_modules', 'greeting', 'index.js'), 'exports.greet = (n) => `hello ${n}`;\n');
  writeFileSync(join(jobDir, 'node_modules', 'greeting', 'index.d.ts'), declaration);
  writeFileSync(join(jobDir, 'job.ts'), JOB('string'));
  return jobDir;
}

const submit = (jobDir: string, cacheDir: string) =>
  runCli(['submit', join(jobDir, 'job.ts')], { cwd: jobDir, env: { DATAFLOW_CACHE_DIR: cacheDir, DATAFLOW_TIMING: '1' }, timeoutMs: 300_000 });

describe('the type-check snapshot', () => {
  it('is built by the first check, used by the next, and rebuilt after it crashes Node', { timeout: 900_000 }, async () => {
    const cacheDir = join(dir, 'cache-crash');
    const jobDir = jobWithPackage('crash', 'export declare function greet(n: number): string;\n');

    const first = await submit(jobDir, cacheDir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe('hello 10');
    expect(checkLine(first.stderr)).toMatch(/typecheck: checked 1 job file\(s\).*0 error\(s\).*; while building the snapshot \(none built yet\)/);
    const blob = readdirSync(snapshotDir(cacheDir)).find((f) => f.endsWith('.blob'));
    expect(blob).toBeDefined();
    expect(first.orphans).toEqual([]);

    writeFileSync(join(jobDir, 'job.ts'), JOB('string', 1));
    const second = await submit(jobDir, cacheDir);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trim()).toBe('hello 10');
    expect(checkLine(second.stderr)).toMatch(/0 error\(s\).*; from the snapshot \(\d+ files kept parsed; started in/);

    // Damage the snapshot where Node reads it first, unnoticed by the manifest (it is told the new size and mtime).
    const path = join(snapshotDir(cacheDir), blob!);
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(64, 0xab), 0, 64, 0);
    closeSync(fd);
    const manifestPath = join(snapshotDir(cacheDir), 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { blobSignature: string };
    const { size, mtimeMs } = statSync(path);
    expect(manifest.blobSignature).toMatch(new RegExp(`^${size}:`));
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, blobSignature: `${size}:${mtimeMs}` }));
    writeFileSync(join(jobDir, 'job.ts'), JOB('number', 2)); // a type error: it must still be found
    const third = await submit(jobDir, cacheDir);
    expect(third.code).toBe(1);
    expect(third.stderr).toMatch(/typecheck: .*1 error\(s\).*; while building the snapshot \(the snapshot failed \(.*\) and was discarded\)/);
    expect(third.stderr).toMatch(/dataflow: job .*job\.ts has 1 type error; first: job\.ts:6:9: Type 'string' is not assignable to type 'number'/);
    expect(readdirSync(snapshotDir(cacheDir))).not.toContain(blob);

    writeFileSync(join(jobDir, 'job.ts'), JOB('string', 3));
    const fourth = await submit(jobDir, cacheDir);
    expect(fourth.code, fourth.stderr).toBe(0);
    expect(fourth.stdout.trim()).toBe('hello 10');
    expect(checkLine(fourth.stderr)).toMatch(/0 error\(s\).*; from the snapshot/);
    expect(readdirSync(snapshotDir(cacheDir)).filter((f) => !/^(manifest\.json|snapshot-.*\.blob)$/.test(f))).toEqual([]);
  });

  it('does not trust declarations that changed since it was built: the job is checked by a new snapshot\'s builder', { timeout: 900_000 }, async () => {
    const cacheDir = join(dir, 'cache-stale');
    const jobDir = jobWithPackage('stale', 'export declare function greet(n: number): string;\n');

    const first = await submit(jobDir, cacheDir);
    expect(first.code, first.stderr).toBe(0);
    expect(checkLine(first.stderr)).toMatch(/0 error\(s\).*; while building the snapshot/);

    // The package's declarations change (the snapshot holds them parsed): greet now returns a number.
    writeFileSync(join(jobDir, 'node_modules', 'greeting', 'index.d.ts'), 'export declare function greet(n: number): number;\n');
    const second = await submit(jobDir, cacheDir);
    expect(second.code).toBe(1);
    expect(checkLine(second.stderr)).toMatch(/1 error\(s\).*; while building the snapshot \(1 of the files it held changed since\)/);
    expect(second.stderr).toMatch(/job\.ts:6:9: Type 'number' is not assignable to type 'string'/);

    writeFileSync(join(jobDir, 'job.ts'), JOB('number', 1));
    writeFileSync(join(jobDir, 'node_modules', 'greeting', 'index.js'), 'exports.greet = (n) => n * 2;\n');
    const third = await submit(jobDir, cacheDir);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout.trim()).toBe('20');
    expect(checkLine(third.stderr)).toMatch(/0 error\(s\).*; from the snapshot/);
    expect(JSON.parse(readFileSync(join(snapshotDir(cacheDir), 'manifest.json'), 'utf8'))).toMatchObject({ node: `${process.version} ${process.arch}` });
  });
});
