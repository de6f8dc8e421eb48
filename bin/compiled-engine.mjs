// The engine's TypeScript compiled to JavaScript, file by file, so that a `dataflow` process (the
// driver, each executor, each task thread) loads natively instead of through tsx's loader, which
// costs about twice the CPU for the ~450 modules a submit loads. Compiled by esbuild into the
// cache folder once per change of the sources (checked by size and mtime at every start).
//
// Each file is compiled on its own, so nothing is renamed (functions shipped by source still read
// as written), every file keeps its own `import.meta.url` (paths next to a source file, worker
// scripts and executor binaries resolve as before), stack traces name the TypeScript files and
// lines (inline source maps), and imports are rewritten: `./x.ts` to the compiled `./x.mjs`, any
// other file and every installed package to its absolute URL, so the tree may live anywhere.
// apache-arrow is the exception: its ~300 files, loaded in every process and task thread, are
// bundled into one module of the tree (with a chunk shared by its deep imports, so classes stay
// one), about 0.25 CPU-seconds less per process than resolving and compiling them one by one.
// Plain JavaScript: it runs before any TypeScript loader exists. Returns undefined when the tree
// cannot be built; the caller then runs the sources through tsx.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The entry points, by name: the CLI, the task thread every executor starts, the event log's encoder thread, the job type-check. */
const ENTRIES = {
  main: join(ROOT, 'engine', 'cli', 'main.ts'),
  'task-thread': join(ROOT, 'engine', 'executor', 'task-thread.ts'),
  'log-encoder-thread': join(ROOT, 'engine', 'events', 'log-encoder-thread.ts'),
  'job-program': join(ROOT, 'engine', 'cli', 'typecheck', 'job-program.ts'),
  // Loaded by path at run time (engine/closure/import-source.ts): the package face and, through it, the library jobs.
  face: join(ROOT, 'index.ts'),
};
/** Packages the tree takes bundled (one module each, see the header) instead of file by file. */
const BUNDLED_PACKAGES = ['apache-arrow'];
/** Bump when the way the tree is built changes. */
const FORMAT = 5;
/** Import specifiers in esbuild's output: `from "x"`, `import("x")`, `import "x"`. */
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)"([^"\n]+)"/g;

function cacheDir() {
  if (process.env.DATAFLOW_CACHE_DIR) return process.env.DATAFLOW_CACHE_DIR;
  if (existsSync(join(ROOT, 'node_modules'))) return join(ROOT, 'node_modules', '.cache', 'dataflow');
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'dataflow');
}

/** Size and mtime of a file, or undefined when it is gone. */
function signature(path) {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/**
 * The URL of the compiled `entry` (a key of ENTRIES), compiling the tree when a source changed;
 * undefined when it cannot be compiled (the caller runs the sources through tsx instead).
 */
export async function compiledEntry(entry = 'main') {
  const dir = join(cacheDir(), 'engine-js', createHash('sha256').update(ROOT).digest('hex').slice(0, 16));
  const manifestPath = join(dir, 'manifest.json');
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (manifest.format === FORMAT && manifest.node === process.version && manifest.inputs.every(([path, sig]) => signature(path) === sig)) {
      return useTree(join(dir, manifest.tree), manifest.inputs, manifest.packages, entry);
    }
  } catch {
    // not compiled yet
  }
  try {
    const { tree, inputs, packages } = await compile(dir, manifestPath);
    await (await import('esbuild')).stop(); // its service process would otherwise live as long as this one
    return useTree(join(dir, tree), inputs, packages, entry);
  } catch (error) {
    if (process.env.DATAFLOW_TIMING === '1') process.stderr.write(`dataflow timing: engine not compiled (${error instanceof Error ? error.message : error}); using tsx\n`);
    return undefined;
  }
}

/**
 * Imports the entry point `entry` compiled, or, when DATAFLOW_COMPILED=0 or the tree cannot be built,
 * its TypeScript `source` (a URL) through tsx's loader; returns the module. What every bootstrap does:
 * the CLI, each task thread, the event log's encoder thread, the job type-check's worker.
 */
export async function importEntry(entry, source) {
  const compiled = process.env.DATAFLOW_COMPILED === '0' ? undefined : await compiledEntry(entry);
  if (compiled) {
    process.setSourceMapsEnabled(true); // stack traces name the TypeScript files and lines, as under tsx
    return import(compiled);
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import(source);
}

async function compile(dir, manifestPath) {
  const esbuild = await import('esbuild');
  // The files reachable from the entries (esbuild's graph; its bundle itself is not used).
  const graph = await esbuild.build({
    entryPoints: Object.values(ENTRIES),
    bundle: true,
    platform: 'node',
    format: 'esm',
    outdir: join(dir, 'unused'),
    write: false,
    metafile: true,
    absWorkingDir: ROOT,
    logLevel: 'silent',
    plugins: [{ name: 'packages-external', setup: (b) => b.onResolve({ filter: /^[^./]/ }, (a) => ({ path: a.path, external: true })) }],
  });
  const sources = Object.keys(graph.metafile.inputs).map((input) => join(ROOT, input)).filter((f) => /\.[cm]?ts$/.test(f) && !f.endsWith('.d.ts'));
  const sourceSet = new Set(sources);
  const inputs = sources.map((path) => [path, signature(path)]);
  const tree = `tree-${createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16)}-${process.pid}`;
  const outputs = await Promise.all(sources.map(async (file) => {
    const out = await esbuild.transform(readFileSync(file, 'utf8'), {
      loader: 'ts',
      format: 'esm',
      target: 'node20',
      sourcefile: file,
      sourcemap: 'inline',
      define: { 'import.meta.url': JSON.stringify(pathToFileURL(file).href) },
    });
    return { file, code: out.code };
  }));
  const specifiers = new Set(outputs.flatMap(({ code }) => [...code.matchAll(SPECIFIER)].map((m) => m[2])));
  const packages = await bundlePackages(esbuild, join(dir, tree), specifiers);
  for (const { file, code } of outputs) {
    const rewritten = code.replace(SPECIFIER, (_, before, specifier) => `${before}${JSON.stringify(rewrite(specifier, file, sourceSet, packages))}`);
    const target = join(dir, tree, relative(ROOT, file).replace(/\.[cm]?ts$/, '.mjs'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, rewritten);
  }
  const partial = `${manifestPath}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify({ format: FORMAT, node: process.version, tree, inputs, packages }));
  renameSync(partial, manifestPath); // the tree is complete before any process is pointed at it
  removeOldTrees(dir, tree);
  return { tree, inputs, packages };
}

/**
 * Bundles each of BUNDLED_PACKAGES that the sources import, with every deep import of it they use
 * (`apache-arrow/ipc/metadata/message`) as an entry of the same build, so that the modules they
 * share are one chunk and their classes one. Returns each bundled specifier's URL in the tree.
 */
async function bundlePackages(esbuild, treeDir, specifiers) {
  const packages = {};
  for (const name of BUNDLED_PACKAGES) {
    const used = [...specifiers].filter((s) => s === name || s.startsWith(`${name}/`));
    if (used.length === 0) continue;
    const outdir = join(treeDir, 'packages', name);
    const entryPoints = Object.fromEntries(used.map((s, i) => [`entry-${i}`, fileURLToPath(import.meta.resolve(s))]));
    await esbuild.build({
      entryPoints, bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20',
      outdir, outExtension: { '.js': '.mjs' }, logLevel: 'silent',
    });
    used.forEach((s, i) => { packages[s] = pathToFileURL(join(outdir, `entry-${i}.mjs`)).href; });
  }
  return packages;
}

/**
 * The URL of `entry` in a compiled tree, after telling the engine (engine/closure/import-source.ts)
 * where the compiled copy of each source is, for the files it imports by path at run time. A file
 * of the package that no entry reaches (a library module of the tests, say) is compiled into the
 * tree when first imported, with its own imports of such files, so it shares the tree's engine.
 */
function useTree(treeDir, inputs, packages, entry) {
  const compiled = new Set(inputs.map(([path]) => path));
  const urlOf = (file) => pathToFileURL(join(treeDir, relative(ROOT, file).replace(/\.[cm]?ts$/, '.mjs'))).href;
  const extra = new Map(); // file → Promise of its compiled URL, for files outside the entries' graph
  const compileExtra = (file) => {
    if (compiled.has(file)) return Promise.resolve(urlOf(file));
    if (!extra.has(file)) extra.set(file, compileOne(file, treeDir, compiled, packages, compileExtra).then(() => urlOf(file)));
    return extra.get(file);
  };
  globalThis[Symbol.for('dataflow.compiled-engine')] = (file) => {
    if (compiled.has(file)) return urlOf(file);
    return /\.[cm]?ts$/.test(file) && !relative(ROOT, file).startsWith('..') ? compileExtra(file) : undefined;
  };
  return urlOf(ENTRIES[entry]);
}

/** Compiles one package file outside the entries' graph into the tree, then the like files it imports. */
async function compileOne(file, treeDir, sources, packages, compileExtra) {
  const esbuild = await import('esbuild');
  const out = await esbuild.transform(readFileSync(file, 'utf8'), {
    loader: 'ts', format: 'esm', target: 'node20', sourcefile: file, sourcemap: 'inline',
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(file).href) },
  });
  const pending = [];
  const code = out.code.replace(SPECIFIER, (_, before, specifier) => {
    const target = resolve(dirname(file), specifier);
    const local = (specifier.startsWith('./') || specifier.startsWith('../')) && /\.[cm]?ts$/.test(target);
    if (local && !sources.has(target) && !relative(ROOT, target).startsWith('..')) {
      pending.push(compileExtra(target));
      return `${before}${JSON.stringify(pathToFileURL(join(treeDir, relative(ROOT, target).replace(/\.[cm]?ts$/, '.mjs'))).href)}`;
    }
    return `${before}${JSON.stringify(rewrite(specifier, file, sources, packages))}`; // the copy sits at the file's place in the tree
  });
  const targetPath = join(treeDir, relative(ROOT, file).replace(/\.[cm]?ts$/, '.mjs'));
  mkdirSync(dirname(targetPath), { recursive: true });
  const partial = `${targetPath}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(partial, code);
  renameSync(partial, targetPath); // whole or not at all, when processes compile the same file at once
  await Promise.all(pending);
}

/**
 * Where an import of `specifier` in `file` points once `file` is compiled into the tree. A deep
 * import of a bundled package that no source of the entries uses (only a file compiled later can)
 * goes to the installed file, a second copy of what it shares with the bundle.
 */
function rewrite(specifier, file, sources, packages) {
  if (Object.hasOwn(packages, specifier)) return packages[specifier];
  if (specifier.startsWith('./') || specifier.startsWith('../')) {
    const target = resolve(dirname(file), specifier);
    return sources.has(target) ? specifier.replace(/\.[cm]?ts$/, '.mjs') : pathToFileURL(target).href;
  }
  if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]) || /^[a-z]+:/.test(specifier)) return specifier;
  try {
    return import.meta.resolve(specifier); // installed packages: from this package, as the sources do
  } catch {
    return specifier;
  }
}

/** Earlier trees, once no process can still be starting from them (an hour on). */
function removeOldTrees(dir, keep) {
  for (const name of readdirSync(dir)) {
    if (name === keep || !name.startsWith('tree-')) continue;
    const path = join(dir, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
    } catch {
      // removed by another process meanwhile
    }
  }
}
