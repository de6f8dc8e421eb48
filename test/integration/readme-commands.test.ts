// Every command the README shows in ```sh blocks runs, in a copy of the repository (so nothing is
// written into it), and prints what it should. A new README command is covered automatically: it
// must match a rule below, which runs it, or skips it with the reason and names the test that runs
// its local equivalent. The examples run on small generated MovieLens folders (a quick size through
// their key=value options) and, where ../shared/data/ml-latest-small is present, on it as written.
// About 110 CPU-seconds in all (~1 min on 2 idle cores); the timeouts only guard against hangs on a
// machine loaded many times over.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Session, writeRatingsParquet } from '../../index.ts';
import { runCli, ROOT, type CliResult } from '../helpers/cli.ts';
import { spawnDataflow, type ProcessHandle } from '../helpers/cluster.ts';
import { ML_LATEST_SMALL, generatedTitle, hasMlLatestSmall, writeGeneratedMovieLens, type MovieLensLayout } from '../helpers/movielens.ts';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const ML_ARG = '../shared/data/ml-latest-small';

/** The commands of the README's ```sh blocks: one per line, comments dropped, `a && b` split. */
function readmeCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((block) => block.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').replace(/\s+/g, ' ').trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .flatMap((line) => line.split('&&').map((c) => c.trim()));
}

interface Rule { match: RegExp; run?: true; skip?: string; equivalent?: string }

/** What this test does with a README command: the first matching rule. */
const RULES: Rule[] = [
  { match: /^npm ci$/, skip: 'it reinstalls node_modules, which the checkouts of this machine share', equivalent: 'npm ci would install what package.json asks for' },
  { match: /^npm test$/, skip: 'it is the suite this test is part of' },
  { match: /^npx dataflow submit examples\/[\w-]+\.ts --master local\[\d+\]( -- .*)?$/, run: true },
  { match: /^export DATAFLOW_SECRET=|^npx dataflow (master|executor) |^npx dataflow submit job\.ts --master dataflow:/, skip: 'it needs machines A, B, C and D', equivalent: 'the README cluster on one machine' },
];

const ruleFor = (command: string): Rule | undefined => RULES.find((r) => r.match.test(command));
const exampleOf = (command: string): string => /examples\/([\w-]+)\.ts/.exec(command)![1]!;

/**
 * A run of each example on generated data: which MovieLens layout stands in for ml-latest-small,
 * and quick options. The README's first command runs exactly as written, type-check included; the
 * others skip the type-check (a walk of the whole program, ~10 CPU-seconds each, while the job
 * itself takes ~7 here; `npm run typecheck` covers examples/).
 */
const GENERATED: Record<string, { layout?: MovieLensLayout; quick: string[]; typecheck?: true }> = {
  'ratings-stats': { quick: [], typecheck: true },
  'als-movielens': { layout: 'dat', quick: ['rank=8', 'maxIter=3', 'maxFolds=2'] },
  'implicit-als': { layout: 'csv', quick: ['rank=8', 'maxIter=3', 'maxFolds=2'] },
  'svd-movielens': { layout: 'u.data', quick: [] },
  'tune-als': { layout: 'csv', quick: ['quick=true'] },
};
/** Quick options on ml-latest-small (the README's full runs take minutes on 2 cores). */
const ON_ML_LATEST_SMALL: Record<string, string[]> = {
  'als-movielens': ['rank=10', 'maxIter=6', 'maxFolds=1'],
  'implicit-als': ['rank=16', 'maxIter=5', 'maxFolds=1'],
  'svd-movielens': [],
  'tune-als': ['quick=true'],
};

let root = '';
let repo = '';
let generated = '';

/** Runs `npx dataflow <args>` as the README's reader would, in the copy: the program package.json's bin names, executed as npx does. */
function dataflow(args: string[], timeoutMs = 300_000): Promise<CliResult> {
  const bin = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin.dataflow!;
  return runCli([], { cwd: repo, timeoutMs, command: [join(repo, bin), ...args] });
}

/** A README `npx dataflow ...` command as argv, with `--no-typecheck` after submit when asked. */
function argvOf(command: string, extra: string[] = [], typecheck = true): string[] {
  const [npx, name, ...args] = command.split(/\s+/);
  expect([npx, name]).toEqual(['npx', 'dataflow']);
  const argv = [...args, ...extra];
  if (argv.includes('--') || extra.length === 0) return typecheck ? argv : [argv[0]!, '--no-typecheck', ...argv.slice(1)];
  return argvOf(command, [], typecheck).concat('--', ...extra);
}

function expectClean(result: CliResult): void {
  expect(result.code, `${result.stderr}\n${result.stdout}`).toBe(0);
  expect(result.leftovers).toEqual([]);
  expect(result.orphans).toEqual([]);
}

const number = (text: string, pattern: RegExp): number => {
  const m = pattern.exec(text);
  expect(m, `${pattern} in:\n${text}`).not.toBeNull();
  return Number(m![1]);
};

/** What each example must print, on generated data and on ml-latest-small. */
const CHECKS: Record<string, (out: string, data: 'generated' | 'ml-latest-small') => void> = {
  'ratings-stats': (out, data) => {
    const rows = out.split('\n').filter((l) => /^\s+\d+\s+\d+\s+\d\.\d{3}$/.test(l)).map((l) => l.trim().split(/\s+/).map(Number));
    expect(out).toContain('itemId  count  mean');
    expect(rows).toHaveLength(10);
    for (let i = 1; i < rows.length; i++) expect(rows[i]![1]).toBeLessThanOrEqual(rows[i - 1]![1]!);
    for (const [, count, mean] of rows) { expect(count).toBeGreaterThan(0); expect(mean).toBeGreaterThanOrEqual(0.5); expect(mean).toBeLessThanOrEqual(5); }
    if (data === 'ml-latest-small') expect(rows[0]).toEqual([356, 329, 4.164]); // Forrest Gump, as DuckDB counts it
    expect(out).toMatch(/wrote \d+ items in \d+ files to /);
  },
  'als-movielens': (out, data) => {
    const folds = [...out.matchAll(/^fold \d: RMSE (\d\.\d{4}) on \d+ test ratings/gm)].map((m) => Number(m[1]));
    expect(folds.length).toBeGreaterThanOrEqual(1);
    const rmse = number(out, /^RMSE (\d\.\d{4})$/m);
    expect(rmse).toBeGreaterThan(0.3);
    expect(rmse).toBeLessThan(data === 'ml-latest-small' ? 0.95 : 1.3);
    // Recommendations with titles (movies.dat on generated data, movies.csv on ml-latest-small).
    expect(out).toMatch(/^user \d+:$/m);
    expect(out).toMatch(data === 'generated' ? /^ {2}\d\.\d\d {2}Café, film n°\d+ \(\d{4}\)$/m : /^ {2}\d\.\d\d {2}.+\(\d{4}\)$/m);
  },
  'implicit-als': (out, data) => {
    expect(out).toMatch(/^fold 1: ALS precision@10 \d\.\d{4} NDCG@10 \d\.\d{4} \| most-popular precision@10/m);
    const als = number(out, /^ALS {10}precision@10 (\d\.\d{4})/m);
    const popular = number(out, /^most-popular precision@10 (\d\.\d{4})/m);
    for (const p of [als, popular]) { expect(p).toBeGreaterThan(0); expect(p).toBeLessThanOrEqual(1); }
    if (data === 'ml-latest-small') expect(als).toBeGreaterThan(popular);
  },
  'tune-als': (out, data) => {
    // quick=true: 2 folds, explicit rank × regParam 2 × 2, implicit alpha 1 and 5
    const tables = out.split(/^(?:explicit|implicit) ALS, \d+ candidates × 2 folds/m).slice(1);
    expect(tables).toHaveLength(2);
    const rows = (table: string) => table.split('\n').filter((l) => /^[* ] .*\d\.\d{4} ± \d\.\d{4}/.test(l));
    expect(tables[0]).toMatch(/^\s+rank\s+regParam\s+RMSE mean ± sd\s+seconds$/m);
    expect(rows(tables[0]!)).toHaveLength(4);
    expect(rows(tables[0]!).filter((l) => l.startsWith('*'))).toHaveLength(1);
    const rmse = number(out, /^best: \{"rank":\d+,"regParam":[\d.]+\} RMSE (\d\.\d{4}) ± /m);
    expect(rmse).toBeGreaterThan(0.3);
    expect(rmse).toBeLessThan(data === 'ml-latest-small' ? 1 : 1.3);
    expect(tables[1]).toMatch(/^\s+alpha\s+regParam\s+precision@10 mean ± sd\s+seconds$/m);
    expect(rows(tables[1]!)).toHaveLength(3); // two candidates and the baseline
    const tuned = number(out, /^best: \{"alpha":\d+,"regParam":[\d.]+\} precision@10 (\d\.\d{4}) NDCG@10 \d\.\d{4}$/m);
    const popular = number(out, /^most-popular precision@10 (\d\.\d{4}) NDCG@10 \d\.\d{4}$/m);
    for (const p of [tuned, popular]) { expect(p).toBeGreaterThan(0); expect(p).toBeLessThanOrEqual(1); }
  },
  'svd-movielens': (out, data) => {
    const sigma = [...out.matchAll(/^ {2}σ\d+ = (\S+)$/gm)].map((m) => Number(m[1]));
    expect(sigma).toHaveLength(10);
    for (let i = 1; i < sigma.length; i++) expect(sigma[i]).toBeLessThanOrEqual(sigma[i - 1]!);
    expect(sigma[9]).toBeGreaterThan(0);
    if (data === 'ml-latest-small') expect(sigma[0]).toBeCloseTo(76.20046536502193, 6); // scipy svds, user-centred (test/fixtures)
    expect(out.match(/^top 5 for user \S+ \(rated items excluded\):$/gm)).toHaveLength(3);
    const recommendations = out.split('\n').filter((l) => /^ {2}\d\. /.test(l));
    expect(recommendations).toHaveLength(15);
    for (const line of recommendations) expect(line).not.toMatch(/^ {2}\d\. item \d+/); // titles, from u.item / movies.csv
    if (data === 'generated') expect(recommendations[0]).toMatch(/^ {2}1\. Café, film n°\d+ \(\d{4}\) {2}\(predicted -?\d+\.\d\d\)$/);
  },
};

const commands = readmeCommands(README);
const runnable = commands.filter((c) => ruleFor(c)?.run);

beforeAll(() => {
  // A copy of the checkout (tracked and new files), beside a link to ../shared, sharing node_modules.
  root = mkdtempSync(join(tmpdir(), 'dataflow-readme-'));
  repo = join(root, 'repo');
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(ROOT, file)) || file === 'node_modules') continue;
    mkdirSync(dirname(join(repo, file)), { recursive: true });
    cpSync(join(ROOT, file), join(repo, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'));
  if (existsSync(join(ROOT, '..', 'shared'))) symlinkSync(join(ROOT, '..', 'shared'), join(root, 'shared'));
  generated = join(root, 'generated');
  for (const layout of ['csv', 'u.data', 'dat'] as const) {
    writeGeneratedMovieLens(join(generated, layout), layout, { users: 300, items: 400, ratings: 12_000, seed: 5 });
  }
});
afterAll(() => { if (root) rmSync(root, { recursive: true, force: true }); });

describe('the README', () => {
  it('has commands, and each is run here or skipped with a reason', () => {
    expect(runnable.map(exampleOf).sort()).toEqual(['als-movielens', 'implicit-als', 'ratings-stats', 'svd-movielens', 'tune-als']);
    for (const command of commands) expect(ruleFor(command), `README command '${command}' matches no rule in readme-commands.test.ts: run it or skip it with a reason`).toBeDefined();
    for (const command of commands.filter((c) => ruleFor(c)?.skip)) console.log(`not run as written: ${command} (${ruleFor(command)!.skip}${ruleFor(command)!.equivalent ? `; see '${ruleFor(command)!.equivalent}'` : ''})`);
  });

  it('npm ci would install what package.json asks for (package-lock.json is in step with it)', () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, Record<string, string>>> };
    expect(lock.packages['']!.dependencies).toEqual(pkg.dependencies);
    expect(lock.packages['']!.devDependencies).toEqual(pkg.devDependencies);
    expect(execFileSync('npx', ['dataflow', '--help'], { cwd: repo, encoding: 'utf8' })).toMatch(/dataflow submit <job>/);
  });

  for (const command of runnable) {
    const example = exampleOf(command);
    it(`runs on generated data: ${command}`, { timeout: 360_000 }, async () => {
      const { layout, quick, typecheck = false } = GENERATED[example]!;
      const args = argvOf(command.replace(ML_ARG, layout ? join(generated, layout) : ML_ARG), quick, typecheck);
      const result = await dataflow(args);
      expectClean(result);
      CHECKS[example]!(result.stdout, 'generated');
      if (example === 'ratings-stats') {
        expect(existsSync(join(repo, 'data', 'ratings.parquet'))).toBe(true); // generated by the first README command
        expect(existsSync(join(repo, 'data', 'item-stats', '_SUCCESS'))).toBe(true);
      }
    });
  }

  it('the README cluster on one machine: its master, executor and submit commands with local addresses', { timeout: 360_000 }, async () => {
    const lines = commands.filter((c) => ruleFor(c)?.equivalent === 'the README cluster on one machine');
    const [exportLine, masterLine, executorLine, submitLine] = lines;
    const secret = execFileSync('sh', ['-c', `${exportLine!} && printf %s "$DATAFLOW_SECRET"`], { encoding: 'utf8' });
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const work = join(root, 'cluster');
    mkdirSync(join(work, 'tmp'), { recursive: true });
    const env = { ...process.env, DATAFLOW_SECRET: secret, TMPDIR: join(work, 'tmp') };
    const local = (line: string, port: number | string) => line
      .replace(/^npx dataflow /, '').replace(/--port 7077/, '--port 0').replace(/\bA:7077\b/g, `127.0.0.1:${port}`)
      .replace(/--cores \d+/, '--cores 1').replace('/tmp/df', join(work, 'executor')).replace('0.0.0.0', '127.0.0.1')
      .replace('/var/lib/dataflow', join(work, 'master-recovery'))
      .replace(/--advertise-host B\b/, '--advertise-host 127.0.0.1').replace(/dataflow\.driver\.host=D\b/, 'dataflow.driver.host=127.0.0.1')
      .split(/\s+/);
    const processes: ProcessHandle[] = [];
    try {
      const master = spawnDataflow('master', local(masterLine!, 0), { env, cwd: repo });
      processes.push(master);
      const port = (await master.waitFor(/listening on [0-9.]+:(\d+)/, 120_000))[1]!;
      const executor = spawnDataflow('executor', local(executorLine!, port), { env, cwd: repo });
      processes.push(executor);
      await master.waitFor(/executor \S+ registered/, 120_000);
      // job.ts is the README's own first job; its input, the project's generated ratings.
      writeFileSync(join(repo, 'job.ts'), /```ts\n([\s\S]*?)```/.exec(README)![1]!);
      const ratings = join(work, 'ratings.parquet');
      await writeRatingsParquet(ratings, { users: 610, items: 9_742, ratings: 100_836, seed: 42, rowGroupSize: 25_000 });
      const submit = spawnDataflow('submit', [...local(submitLine!, port), '--', ratings], { env, cwd: repo });
      processes.push(submit);
      const exit = await submit.exited;
      expect(exit, submit.output).toEqual({ code: 0, signal: null });
      expect(submit.stdout.match(/itemId: \d+/g)).toHaveLength(5); // the five best-rated popular items
      expect(existsSync(join(work, 'master-recovery', 'master-state.json'))).toBe(true); // the master's --recovery-dir
    } finally {
      await Promise.all(processes.map((p) => p.kill('SIGTERM', 3_000)));
      rmSync(join(repo, 'job.ts'), { force: true });
    }
  });

  describe.skipIf(!hasMlLatestSmall('the README examples on ml-latest-small'))('on ml-latest-small', () => {
    for (const command of runnable.filter((c) => c.includes(ML_ARG))) {
      const example = exampleOf(command);
      it(`runs (quick options ${ON_ML_LATEST_SMALL[example]!.join(' ') || 'none'}): ${command}`, { timeout: 360_000 }, async () => {
        const result = await dataflow(argvOf(command, ON_ML_LATEST_SMALL[example], false));
        expectClean(result);
        CHECKS[example]!(result.stdout, 'ml-latest-small');
      });
    }

    it('ratings-stats on ml-latest-small converted to Parquet', { timeout: 360_000 }, async () => {
      const parquet = join(root, 'ml-latest-small.parquet');
      expectClean(await dataflow(['convert', ML_LATEST_SMALL, parquet]));
      const result = await dataflow(['submit', '--no-typecheck', 'examples/ratings-stats.ts', '--master', 'local[2]', '--', parquet, join(root, 'ml-stats')]);
      expectClean(result);
      CHECKS['ratings-stats']!(result.stdout, 'ml-latest-small');
    });
  });
});

describe('svd-movielens titles', () => {
  it('shows titles from movies.csv, u.item and movies.dat alike (the example run in this process, on local)', { timeout: 180_000 }, async () => {
    const { default: main } = await import('../../examples/svd-movielens.ts');
    for (const layout of ['csv', 'u.data', 'dat'] as const) {
      const session = await Session.create({ master: 'local', conf: ['dataflow.ui.progress=false'] });
      const printed: string[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((...values: unknown[]) => { printed.push(values.join(' ')); });
      try {
        await main(session, [join(generated, layout), '3']);
      } finally {
        log.mockRestore();
        await session.stop();
      }
      const recommendations = printed.join('\n').split('\n').filter((l) => /^ {2}\d\. /.test(l));
      expect(recommendations, layout).toHaveLength(15);
      for (const line of recommendations) {
        const id = Number(/n°(\d+) /.exec(line)?.[1]);
        expect(line, layout).toContain(`. ${generatedTitle(id)}  (predicted`);
      }
    }
  });
});
