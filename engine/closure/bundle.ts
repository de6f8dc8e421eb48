// Bundling a job script with esbuild: the job's own files and its npm dependencies go into one ES
// module; node builtins stay imports; the engine is replaced by a shim that reads the host's engine
// (see host-engine.ts). The bundle is identified by the sha256 of its code.
//
// Worked example: for a job `stats.ts` that does `import { col } from 'dataflow'` and
// `import { clamp } from './util.ts'`, the bundle is
//
//   import { createRequire as __dataflowCreateRequire } from 'node:module';   ← lets bundled CJS require builtins
//   const require = __dataflowCreateRequire(import.meta.url);
//   // dataflow-engine:dataflow
//   var e = globalThis[Symbol.for("dataflow.engine")]; … var col = e["col"];
//   // util.ts
//   function clamp(x) { … }
//   // stats.ts
//   async function main(session, args) { … }
//   export { main as default };

import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type * as esbuild from 'esbuild';
import { withEsbuild } from './esbuild-service.ts';
import { JobBundleError } from './errors.ts';
import { defaultEngineIndexPath, engineDir, engineShimSource, sharedModuleShimSource } from './host-engine.ts';
import { displayPath } from './source-position.ts';
import type { JobBundle } from './types.ts';

export type { JobBundle } from './types.ts';

export interface BundleJobOptions {
  /** Names exported by the package's face (index.ts); the shim re-exports exactly these. */
  engineExports: string[];
  /** The package's face; relative imports that resolve to it are replaced by the shim. */
  engineIndexPath?: string;
  /**
   * Bare import specifiers to take from the host process instead of bundling a copy, with their
   * export names, e.g. `{ 'apache-arrow': Object.keys(await import('apache-arrow')) }`. The host
   * passes the same modules to loadBundle({ sharedModules }).
   */
  sharedModules?: Record<string, string[]>;
  /**
   * Extra directories to look for npm packages in when the job's own folder has no node_modules
   * with them. Default: the node_modules folder next to the engine, so that jobs anywhere can use
   * the packages dataflow itself depends on.
   */
  nodePaths?: string[];
}

const BANNER =
  `import { createRequire as __dataflowCreateRequire } from 'node:module';\n` +
  `const require = __dataflowCreateRequire(import.meta.url);`;

/**
 * Bundle the job script at `jobPath` into one ES module (esm, node20, with a source map).
 *
 * @example
 * const engine = await import('../index.ts');
 * const bundle = await bundleJob('examples/stats.ts', { engineExports: Object.keys(engine) });
 * bundle.hash; // '3f9a…' (sha256 of bundle.code)
 */
export async function bundleJob(jobPath: string, options: BundleJobOptions): Promise<JobBundle> {
  const absJob = path.resolve(jobPath);
  await assertReadableFile(jobPath, absJob);
  const engineIndex = path.resolve(options.engineIndexPath ?? defaultEngineIndexPath);
  // esbuild computes output paths (and source map `sources`) relative to the outfile; nothing is written.
  const outfile = path.join(path.dirname(absJob), '.dataflow-bundle.mjs');

  let result: esbuild.BuildResult<{ write: false }>;
  try {
    result = await withEsbuild((api) => api.build({
      entryPoints: [absJob],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'external',
      sourcesContent: false,
      write: false,
      outfile,
      banner: { js: BANNER },
      logLevel: 'silent',
      nodePaths: options.nodePaths ?? [path.join(path.dirname(engineDir), 'node_modules')],
      plugins: [engineShimPlugin(engineIndex, options.engineExports, options.sharedModules ?? {})],
    }));
  } catch (error) {
    throw new JobBundleError(describeBuildFailure(absJob, error), { cause: error });
  }

  const codeFile = result.outputFiles.find((f) => f.path.endsWith('.mjs'));
  const mapFile = result.outputFiles.find((f) => f.path.endsWith('.map'));
  if (codeFile === undefined || mapFile === undefined) {
    throw new JobBundleError(`esbuild produced no output for job ${absJob} (expected a .mjs and a .map file).`);
  }
  const code = codeFile.text;
  return {
    hash: createHash('sha256').update(code).digest('hex'),
    code,
    sourceMap: absolutizeSources(mapFile.text, path.dirname(outfile)),
    jobPath: absJob,
  };
}

/** Turn the map's `sources` (relative to the virtual outfile) into absolute paths, valid anywhere. */
function absolutizeSources(mapJson: string, outDir: string): string {
  const map = JSON.parse(mapJson) as { sources: string[] };
  map.sources = map.sources.map((s) => (s.includes(':') && !path.isAbsolute(s) ? s : path.resolve(outDir, s)));
  return JSON.stringify(map);
}

async function assertReadableFile(given: string, abs: string): Promise<void> {
  try {
    const info = await stat(abs);
    if (!info.isFile()) {
      throw new JobBundleError(`job script ${given} (${abs}) is not a file. Pass the path of a .ts or .js module.`);
    }
  } catch (error) {
    if (error instanceof JobBundleError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist (ENOENT)' : `cannot be read (${code ?? String(error)})`;
    throw new JobBundleError(
      `job script ${given} ${reason}; looked for ${abs} from the current directory ${process.cwd()}. ` +
        `Check the path passed to \`dataflow submit\`.`,
      { cause: error },
    );
  }
}

/**
 * An esbuild plugin that resolves the bare specifier `dataflow`, and any relative or absolute path
 * that lands on the engine's index.ts, to a virtual module re-exporting the host's engine; and each
 * shared module's specifier to a virtual module re-exporting the host's copy of it.
 */
function engineShimPlugin(
  engineIndex: string,
  engineExports: readonly string[],
  sharedModules: Record<string, string[]>,
): esbuild.Plugin {
  const namespace = 'dataflow-engine';
  const sharedNamespace = 'dataflow-shared';
  const engineIndexNoExt = engineIndex.replace(/\.[cm]?[jt]s$/, '');
  const enginePaths = new Set([engineIndex, engineIndexNoExt, `${engineIndexNoExt}.js`, path.dirname(engineIndex)]);
  return {
    name: 'dataflow-engine-shim',
    setup(build) {
      build.onResolve({ filter: /^dataflow$/ }, () => ({ path: 'dataflow', namespace }));
      build.onResolve({ filter: /^(\.{1,2}\/|\/|\.{1,2}$)/ }, (args) => {
        if (args.resolveDir === '') return undefined;
        const target = path.resolve(args.resolveDir, args.path);
        return enginePaths.has(target) ? { path: 'dataflow', namespace } : undefined;
      });
      build.onLoad({ filter: /.*/, namespace }, () => ({ contents: engineShimSource(engineExports), loader: 'js' }));
      build.onResolve({ filter: /^[^./]/ }, (args) =>
        Object.hasOwn(sharedModules, args.path) ? { path: args.path, namespace: sharedNamespace } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: sharedNamespace }, (args) => ({
        contents: sharedModuleShimSource(args.path, sharedModules[args.path] ?? []),
        loader: 'js',
      }));
    },
  };
}

/** esbuild's errors as `file:line:col: text` lines (esbuild columns are 0-based; ours are 1-based). */
function describeBuildFailure(absJob: string, error: unknown): string {
  const messages = (error as { errors?: esbuild.Message[] }).errors;
  if (!Array.isArray(messages) || messages.length === 0) {
    return `could not bundle job ${absJob}: ${error instanceof Error ? error.message : String(error)}`;
  }
  const lines = messages.slice(0, 10).map((m) => {
    const where = m.location ? `${displayPath(path.resolve(m.location.file))}:${m.location.line}:${m.location.column + 1}: ` : '';
    const snippet = m.location?.lineText ? `\n    ${m.location.lineText.trim()}` : '';
    return `  ${where}${m.text}${snippet}`;
  });
  const more = messages.length > 10 ? `\n  … and ${messages.length - 10} more` : '';
  // The first line stands alone (the CLI prints only it): it names the first error's file:line.
  const first = lines[0]?.trim().split('\n')[0] ?? '';
  return `could not bundle job ${displayPath(absJob)}: ${first}${messages.length > 1 ? ` (and ${messages.length - 1} more)` : ''}\n${lines.join('\n')}${more}`;
}
