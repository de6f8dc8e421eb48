// The type-check of `dataflow submit` (engine/cli/typecheck*.ts), with real CLI processes and one
// cache folder of the test's own. The snapshot: the first check builds it, later checks of a changed
// job run from it; a snapshot file that crashes Node is discarded and rebuilt, and one holding a
// package's declarations that changed since is not trusted: a new snapshot is built by a process
// that checks the job (the right errors). A job outside the repository: it finds 'dataflow' through
// the package's exports, a type error in the job or its local imports is reported with file:line,
// and a job whose files are unchanged since a clean check is not checked again. The snapshot's
// scenario runs first in one folder, so the checks after it start from its snapshot (one snapshot
// build fewer: each costs ~15 CPU-seconds).

import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';

let dir: string;
let cacheDir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dataflow-typecheck-'));
  cacheDir = join(dir, 'cache');
});
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

const submit = (jobDir: string) =>
  runCli(['submit', join(jobDir, 'job.ts')], { cwd: jobDir, env: { DATAFLOW_CACHE_DIR: cacheDir, DATAFLOW_TIMING: '1' }, timeoutMs: 300_000 });

describe('the type-check snapshot', () => {
  it('is built by the first check, used by the next, rebuilt after it crashes Node, and not trusted once declarations it holds changed', { timeout: 900_000 }, async () => {
    const jobDir = jobWithPackage('snapshot', 'export declare function greet(n: number): string;\n');

    const first = await submit(jobDir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe('hello 10');
    expect(checkLine(first.stderr)).toMatch(/typecheck: checked 1 job file\(s\).*0 error\(s\).*; while building the snapshot \(none built yet\)/);
    const blob = readdirSync(snapshotDir(cacheDir)).find((f) => f.endsWith('.blob'));
    expect(blob).toBeDefined();
    expect(first.orphans).toEqual([]);

    writeFileSync(join(jobDir, 'job.ts'), JOB('string', 1));
    const second = await submit(jobDir);
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
    const third = await submit(jobDir);
    expect(third.code).toBe(1);
    expect(third.stderr).toMatch(/typecheck: .*1 error\(s\).*; while building the snapshot \(the snapshot failed \(.*\) and was discarded\)/);
    expect(third.stderr).toMatch(/dataflow: job .*job\.ts has 1 type error; first: job\.ts:6:9: Type 'string' is not assignable to type 'number'/);
    expect(readdirSync(snapshotDir(cacheDir))).not.toContain(blob);

    writeFileSync(join(jobDir, 'job.ts'), JOB('string', 3));
    const fourth = await submit(jobDir);
    expect(fourth.code, fourth.stderr).toBe(0);
    expect(fourth.stdout.trim()).toBe('hello 10');
    expect(checkLine(fourth.stderr)).toMatch(/0 error\(s\).*; from the snapshot/);
    expect(readdirSync(snapshotDir(cacheDir)).filter((f) => !/^(manifest\.json|snapshot-.*\.blob)$/.test(f))).toEqual([]);

    // The package's declarations change (the snapshot holds them parsed): greet now returns a number.
    // The job is unchanged since its clean check, but a file that check read is not.
    writeFileSync(join(jobDir, 'node_modules', 'greeting', 'index.d.ts'), 'export declare function greet(n: number): number;\n');
    const fifth = await submit(jobDir);
    expect(fifth.code).toBe(1);
    expect(checkLine(fifth.stderr)).toMatch(/1 error\(s\).*; while building the snapshot \(1 of the files it held changed since\)/);
    expect(fifth.stderr).toMatch(/job\.ts:6:9: Type 'number' is not assignable to type 'string'/);

    writeFileSync(join(jobDir, 'job.ts'), JOB('number', 4));
    writeFileSync(join(jobDir, 'node_modules', 'greeting', 'index.js'), 'exports.greet = (n) => n * 2;\n');
    const sixth = await submit(jobDir);
    expect(sixth.code, sixth.stderr).toBe(0);
    expect(sixth.stdout.trim()).toBe('20');
    expect(checkLine(sixth.stderr)).toMatch(/0 error\(s\).*; from the snapshot/);
    expect(JSON.parse(readFileSync(join(snapshotDir(cacheDir), 'manifest.json'), 'utf8'))).toMatchObject({ node: `${process.version} ${process.arch}` });
  });
});

const OUTSIDE_JOB = `import { type Session } from 'dataflow';
import { label } from './label.ts';

export default async function main(session: Session): Promise<void> {
  const n: number = await session.range(0, 10).count();
  console.log(label(n));
}
`;
const LABEL = `export function label(n: number): string {
  return \`count=\${n}\`;
}
`;

/** The clean checks the cache remembers (one file each). */
const cleanChecks = (): string[] => {
  const folder = join(cacheDir, 'typecheck');
  return existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.json')) : [];
};

describe('dataflow submit type-checks a job anywhere on disk', () => {
  const env = (): Record<string, string> => ({ DATAFLOW_CACHE_DIR: cacheDir, DATAFLOW_TIMING: '1' });

  it('runs a job outside the repository that imports dataflow, then skips the check while nothing changed', { timeout: 600_000 }, async () => {
    const jobDir = join(dir, 'clean');
    rmSync(jobDir, { recursive: true, force: true });
    mkdirSync(jobDir);
    writeFileSync(join(jobDir, 'job.ts'), OUTSIDE_JOB);
    writeFileSync(join(jobDir, 'label.ts'), LABEL);

    const remembered = cleanChecks();
    const first = await runCli(['submit', join(jobDir, 'job.ts')], { cwd: jobDir, env: env(), timeoutMs: 240_000 });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe('count=10');
    expect(checkLine(first.stderr)).toMatch(/typecheck: checked 2 job file\(s\) against \d+ engine declaration files.*0 error/);
    expect(cleanChecks().filter((f) => !remembered.includes(f))).toHaveLength(1);

    const second = await runCli(['submit', join(jobDir, 'job.ts')], { cwd: jobDir, env: env(), timeoutMs: 240_000 });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trim()).toBe('count=10');
    expect(checkLine(second.stderr)).toMatch(/typecheck: unchanged since a clean check, not checked again/);

    // A change to a local import (not the job file itself) is checked again.
    writeFileSync(join(jobDir, 'label.ts'), LABEL.replace('count=', 'n='));
    const third = await runCli(['submit', join(jobDir, 'job.ts')], { cwd: jobDir, env: env(), timeoutMs: 240_000 });
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout.trim()).toBe('n=10');
    expect(checkLine(third.stderr)).toMatch(/typecheck: checked 2 job file\(s\).*\(0 made now\), 0 error/);
    expect(first.orphans).toEqual([]);
  });

  it('reports a type error in a job outside the repository with its file and line, nothing left behind', { timeout: 300_000 }, async () => {
    const jobDir = mkdtempSync(join(dir, 'broken-'));
    writeFileSync(join(jobDir, 'job.ts'), OUTSIDE_JOB.replace('const n: number', 'const n: string'));
    writeFileSync(join(jobDir, 'label.ts'), LABEL);
    const result = await runCli(['submit', join(jobDir, 'job.ts')], { cwd: jobDir, env: { DATAFLOW_CACHE_DIR: cacheDir }, timeoutMs: 240_000 });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^dataflow: job .*job\.ts has 2 type errors; first: job\.ts:5:9: Type 'number' is not assignable to type 'string'/);
    expect(result.leftovers).toEqual([]);
    expect(result.orphans).toEqual([]);
  });

  it('reports a type error in a local import of the job, naming that file', { timeout: 300_000 }, async () => {
    const jobDir = mkdtempSync(join(dir, 'broken-import-'));
    writeFileSync(join(jobDir, 'job.ts'), OUTSIDE_JOB);
    writeFileSync(join(jobDir, 'label.ts'), LABEL.replace('return `', 'return n; `'));
    const result = await runCli(['submit', join(jobDir, 'job.ts')], { cwd: jobDir, env: { DATAFLOW_CACHE_DIR: cacheDir }, timeoutMs: 240_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/type error.*label\.ts:2:3: Type 'number' is not assignable to type 'string'/);
  });
});
