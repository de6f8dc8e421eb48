// The job type-check from a V8 startup snapshot of the checker (snapshot-main.ts): a process started
// from it has TypeScript loaded and the libraries', @types/node's and the engine's declarations
// parsed and bound, so it checks a changed job in a fraction of a second instead of seconds. The
// snapshot lives in the cache folder, is built by the first check that finds none (that check runs
// in the building process, so it costs no more than a check without it) and is rebuilt when Node,
// TypeScript or the checker changes (manifest), when it crashes (corrupt), or when a check finds
// files it holds out of date (an engine source or an installed package changed): that check's
// result is not used, the check is done by the new snapshot's builder.

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync, mkdirSync, openSync, closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import type { JobCheckRequest, JobCheckResult } from './job-program.ts';
import { answerIn, checkProcessEnv } from './check-process.ts';
import { installedSignature } from './parsed-files.ts';
import { isProcessAlive } from '../../process-alive.ts';
import { withEsbuild } from '../../closure/esbuild-service.ts';

/** Bump when the snapshot's layout or what it holds changes. */
const FORMAT = 1;
/**
 * Node flags of the building and the checking process (V8 refuses a snapshot made with other
 * flags): the heap's strings keep the hash seed they were built with instead of being rehashed
 * (a check reads only the user's own files), and a young generation large enough that a check
 * seldom collects garbage (each collection walks the deserialized heap's references).
 */
const CHECKER_FLAGS = ['--no-rehash-snapshot', '--min-semi-space-size=16'];
const ENTRY = fileURLToPath(new URL('./snapshot-main.ts', import.meta.url));
const MANIFEST = 'manifest.json';
const LOCK = 'build.lock';

interface Manifest {
  format: number;
  node: string;
  flags: string[];
  typescript: string;
  /** The snapshot file in the folder, with its size and mtime when written. */
  blob: string;
  blobSignature: string;
  /** The checker's sources and TypeScript, with their size and mtime when bundled. */
  inputs: Array<[path: string, signature: string]>;
}

/** A child process of the check, so an interrupted submit can stop it. */
export interface CheckProcesses { add(pid: number): void; delete(pid: number): void }

export type SnapshotCheck =
  | { result: JobCheckResult }
  | { missing: string };

const nodeIdentity = (): string => `${process.version} ${process.arch}`;

function readManifest(dir: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/** Why the snapshot in `dir` cannot be used, or undefined when it can. */
function whyUnusable(dir: string, manifest: Manifest | undefined, compilerVersion: string): string | undefined {
  if (!manifest) return 'none built yet';
  if (manifest.format !== FORMAT || manifest.node !== nodeIdentity() || manifest.typescript !== compilerVersion || manifest.flags?.join(' ') !== CHECKER_FLAGS.join(' ')) return 'built by another Node, TypeScript or checker version';
  if (installedSignature(join(dir, manifest.blob)) !== manifest.blobSignature) return 'its file was changed or removed';
  if (!manifest.inputs.every(([path, signature]) => installedSignature(path) === signature)) return 'the checker changed';
  return undefined;
}

/** Forgets the snapshot, so the next check builds a new one. */
function discard(dir: string, manifest: Manifest | undefined): void {
  rmSync(join(dir, MANIFEST), { force: true });
  if (manifest) rmSync(join(dir, manifest.blob), { force: true });
}

/** Runs `args` with the node of this process; resolves with the result line as soon as it is printed, and when the process ends. */
function runChecker(args: string[], request: JobCheckRequest, children: CheckProcesses): { result: Promise<JobCheckResult | undefined>; exit: Promise<{ code: number | null; signal: string | null; stderr: string }> } {
  const child = spawn(process.execPath, args, { env: checkProcessEnv(request), stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined) children.add(child.pid);
  let stdout = '';
  let stderr = '';
  let answered: (result: JobCheckResult | undefined) => void = () => undefined;
  const result = new Promise<JobCheckResult | undefined>((resolve) => { answered = resolve; });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('\n')) answered(answerIn(stdout));
  });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exit = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
    const done = (code: number | null, signal: string | null): void => {
      if (child.pid !== undefined) children.delete(child.pid);
      answered(undefined);
      resolve({ code, signal, stderr });
    };
    child.once('error', (error) => { stderr += error.message; done(null, null); });
    child.once('close', done);
  });
  return { result, exit };
}

const lastLine = (stderr: string): string => stderr.trim().split('\n').filter((l) => !/Warning: It's not yet fully verified|may still work|issue tracker|trace-warnings/.test(l)).at(-1) ?? '';

/**
 * Checks the job in a process started from the snapshot in `dir`; `{ missing }` says why not (no
 * snapshot yet, outdated, or it failed and was discarded) and the caller builds one.
 */
export async function checkFromSnapshot(request: JobCheckRequest, dir: string, compilerVersion: string, children: CheckProcesses): Promise<SnapshotCheck> {
  const manifest = readManifest(dir);
  const unusable = whyUnusable(dir, manifest, compilerVersion);
  if (unusable) return { missing: unusable };
  const run = runChecker([...CHECKER_FLAGS, '--snapshot-blob', join(dir, manifest!.blob)], request, children);
  const result = await run.result; // the process ends by itself right after answering
  if (!result) {
    const exit = await run.exit;
    discard(dir, manifest);
    return { missing: `the snapshot failed (${exit.signal ?? `exit ${exit.code}`}${lastLine(exit.stderr) ? `: ${lastLine(exit.stderr)}` : ''}) and was discarded` };
  }
  if (result.staleFiles > 0) { // it held files that changed since: its check may have been misled
    discard(dir, manifest);
    return { missing: `${result.staleFiles} of the files it held changed since` };
  }
  return { result };
}

/** A snapshot being built by a process that also checks the job. */
export interface SnapshotBuild {
  /** The job's check (undefined: the builder failed before answering; check another way). */
  result: Promise<JobCheckResult | undefined>;
  /** Settles when the builder has ended and the snapshot is in place (or given up). */
  done: Promise<void>;
}

/**
 * Starts building the snapshot in `dir` with a process that checks the job first and answers
 * before the snapshot is written; undefined when another process is building it already.
 */
export async function buildSnapshot(request: JobCheckRequest, dir: string, compilerVersion: string, children: CheckProcesses): Promise<SnapshotBuild | undefined> {
  mkdirSync(dir, { recursive: true });
  if (!takeLock(dir)) return undefined;
  const stamp = `${process.pid}-${Date.now()}`;
  const script = join(dir, `build-${stamp}.cjs`);
  const partial = join(dir, `snapshot-${stamp}.blob.tmp`);
  const release = (): void => {
    rmSync(script, { force: true });
    rmSync(partial, { force: true });
    rmSync(join(dir, LOCK), { force: true });
  };
  let inputs: Array<[string, string]>;
  try {
    for (const name of readdirSync(dir)) if (/^(build-.*\.cjs|.*\.tmp)$/.test(name)) rmSync(join(dir, name), { force: true }); // a killed builder's
    inputs = await bundleEntry(request.packageRoot, script);
  } catch (error) {
    release();
    throw error;
  }
  const run = runChecker([...CHECKER_FLAGS, '--snapshot-blob', partial, '--build-snapshot', script], request, children);
  const done = run.exit.then(async ({ code }) => {
    try {
      if (code !== 0 || !(await run.result)) return;
      const blob = `snapshot-${stamp}.blob`;
      renameSync(partial, join(dir, blob));
      const manifest: Manifest = { format: FORMAT, node: nodeIdentity(), flags: CHECKER_FLAGS, typescript: compilerVersion, blob, blobSignature: installedSignature(join(dir, blob))!, inputs };
      writeFileSync(join(dir, `${MANIFEST}.${stamp}.tmp`), JSON.stringify(manifest));
      renameSync(join(dir, `${MANIFEST}.${stamp}.tmp`), join(dir, MANIFEST));
      for (const name of readdirSync(dir)) if (/^snapshot-.*\.blob$/.test(name) && name !== blob) rmSync(join(dir, name), { force: true });
    } catch {
      // a snapshot that cannot be stored only costs time: the next check builds again
    } finally {
      release();
    }
  });
  return { result: run.result, done };
}

/** Takes the build lock of `dir` (a file naming its owner's pid); false while a live process holds it. */
function takeLock(dir: string): boolean {
  const path = join(dir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch {
      let owner = 0;
      try {
        owner = Number(readFileSync(path, 'utf8'));
      } catch {
        // released meanwhile
      }
      if (owner > 0 && isProcessAlive(owner)) return false;
      rmSync(path, { force: true }); // its builder died
    }
  }
  return false;
}

/**
 * Bundles snapshot-main.ts into one script for `node --build-snapshot` (which loads no modules of
 * its own: TypeScript is evaluated from its file by node:vm, under its own name); returns the
 * files it was made from with their signatures, for the manifest.
 */
async function bundleEntry(packageRoot: string, outfile: string): Promise<Array<[string, string]>> {
  const typescriptPath = createRequire(join(packageRoot, 'package.json')).resolve('typescript');
  const typescriptByVm: Plugin = {
    name: 'typescript-by-vm',
    setup(build) {
      build.onResolve({ filter: /^typescript$/ }, () => ({ path: typescriptPath, namespace: 'typescript-by-vm' }));
      build.onLoad({ filter: /.*/, namespace: 'typescript-by-vm' }, () => ({
        loader: 'js',
        contents: `const path = ${JSON.stringify(typescriptPath)};
const source = require('node:fs').readFileSync(path, 'utf8');
const load = require('node:vm').runInThisContext('(function (exports, require, module, __filename, __dirname) {' + source + '\\n})', { filename: path });
load(exports, require, module, path, require('node:path').dirname(path));`,
      }));
    },
  };
  const built = await withEsbuild((esbuild) => esbuild.build({
    entryPoints: [ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    absWorkingDir: packageRoot,
    metafile: true,
    logLevel: 'silent',
    plugins: [typescriptByVm],
  }));
  const sources = Object.keys(built.metafile.inputs)
    .filter((input) => !input.startsWith('typescript-by-vm:'))
    .map((input) => resolve(packageRoot, input));
  return [...sources, typescriptPath].map((path) => [path, installedSignature(path) ?? '']);
}
