// The type-check of `dataflow submit` for a job outside the repository: it finds 'dataflow' through
// the package's exports, reports a type error in the job or its local imports with file:line, and
// does not check a job again whose files are unchanged since a clean check (real CLI processes).

import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';

let dir: string;
let env: Record<string, string>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dataflow-typecheck-'));
  env = { DATAFLOW_CACHE_DIR: join(dir, 'cache'), DATAFLOW_TIMING: '1' };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const JOB = `import { type Session } from 'dataflow';
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

const checkLine = (stderr: string): string => stderr.split('\n').find((l) => l.includes('typecheck:')) ?? '(no typecheck line)';

describe('dataflow submit type-checks a job anywhere on disk', () => {
  it('runs a job outside the repository that imports dataflow, then skips the check while nothing changed', { timeout: 600_000 }, async () => {
    const jobDir = join(dir, 'clean');
    rmSync(jobDir, { recursive: true, force: true });
    mkdirSync(jobDir);
    writeFileSync(join(jobDir, 'job.ts'), JOB);
    writeFileSync(join(jobDir, 'label.ts'), LABEL);

    const first = await runCli(['submit', join(jobDir, 'job.ts')], { cwd: jobDir, env, timeoutMs: 240_000 });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe('count=10');
    expect(checkLine(first.stderr)).toMatch(/typecheck: checked 2 job file\(s\) against \d+ engine declaration files.*0 error/);
    expect(readdirSync(join(dir, 'cache', 'typecheck')).filter((f) => f.endsWith('.json'))).toHaveLength(1);

    const second = await runCli(['submit', join(jobDir, 'job.ts')], { cwd: jobDir, env, timeoutMs: 240_000 });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trim()).toBe('count=10');
    expect(checkLine(second.stderr)).toMatch(/typecheck: unchanged since a clean check, not checked again/);

    // A change to a local import (not the job file itself) is checked again.
    writeFileSync(join(jobDir, 'label.ts'), LABEL.replace('count=', 'n='));
    const third = await runCli(['submit', join(jobDir, 'job.ts')], { cwd: jobDir, env, timeoutMs: 240_000 });
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout.trim()).toBe('n=10');
    expect(checkLine(third.stderr)).toMatch(/typecheck: checked 2 job file\(s\).*\(0 made now\), 0 error/);
    expect(first.orphans).toEqual([]);
  });

  it('reports a type error in a job outside the repository with its file and line, nothing left behind', { timeout: 300_000 }, async () => {
    const jobDir = mkdtempSync(join(dir, 'broken-'));
    writeFileSync(join(jobDir, 'job.ts'), JOB.replace('const n: number', 'const n: string'));
    writeFileSync(join(jobDir, 'label.ts'), LABEL);
    const result = await runCli(['submit', join(jobDir, 'job.ts')], { cwd: jobDir, env: { DATAFLOW_CACHE_DIR: join(dir, 'cache') }, timeoutMs: 240_000 });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^dataflow: job .*job\.ts has 2 type errors; first: job\.ts:5:9: Type 'number' is not assignable to type 'string'/);
    expect(result.leftovers).toEqual([]);
    expect(result.orphans).toEqual([]);
  });

  it('reports a type error in a local import of the job, naming that file', { timeout: 300_000 }, async () => {
    const jobDir = mkdtempSync(join(dir, 'broken-import-'));
    writeFileSync(join(jobDir, 'job.ts'), JOB);
    writeFileSync(join(jobDir, 'label.ts'), LABEL.replace('return `', 'return n; `'));
    const result = await runCli(['submit', join(jobDir, 'job.ts')], { cwd: jobDir, env: { DATAFLOW_CACHE_DIR: join(dir, 'cache') }, timeoutMs: 240_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/type error.*label\.ts:2:3: Type 'number' is not assignable to type 'string'/);
  });
});
