// Type-checks a job against the engine's public types: the job and its local imports are checked in
// full; the engine is seen through declarations (one per file, `ts.transpileDeclaration`, cached by
// content hash), so its sources are neither parsed in full nor re-checked, and its private packages
// (the S3 SDK, esbuild, parquet-wasm…) are not loaded at all. Runs in typecheck-worker.mjs.
//
// The model, per file the compiler asks for:
//   - `dataflow` (and `dataflow/…`) resolve through the package's own `exports`, as if imported
//     from inside the package, so a job anywhere on disk finds it;
//   - a file reached from `dataflow` or from another engine file is an engine file: the compiler
//     reads its declarations instead of its source; a bare import from an engine file resolves
//     only for the packages whose types cross into jobs (SHARED_PACKAGES: their objects
//     cross the bundle boundary, so their types are public), others are `any`;
//   - every other file (the job and what it imports by relative path) is the user's: checked in
//     full, and its errors are the ones reported (`file:line:column: message`);
//   - a bare import of the user's that does not resolve from the job's folder is looked up from the
//     package too, as the bundler does (bundle.ts nodePaths).
//
// Checklist: only user files' diagnostics are requested (the checker is lazy, so engine
// declarations are only resolved as far as the job uses them); global option errors are ignored.

import ts from 'typescript';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SHARED_PACKAGES } from '../../closure/shared-packages.ts';

export interface JobCheckRequest {
  jobPath: string;
  /** The dataflow package's root folder (where its package.json is). */
  packageRoot: string;
  /** Folder for the engine's cached declarations. */
  declarationDir: string;
}

export interface JobCheckResult {
  /** `file:line:column: message`, user files only. */
  errors: string[];
  /** Every file the check read, for the result cache: user and engine sources, library declarations. */
  files: string[];
  userFileCount: number;
  engineFileCount: number;
  /** Engine declarations produced now rather than read from the cache. */
  declarationsMade: number;
}

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  // Jobs are bundled by esbuild as ES modules wherever they are, so they are checked as such.
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  allowImportingTsExtensions: true,
  esModuleInterop: true,
  resolveJsonModule: true,
  types: ['node'],
};

const PACKAGE_NAME = 'dataflow';

export function checkJob(request: JobCheckRequest): JobCheckResult {
  const { jobPath, packageRoot, declarationDir } = request;
  const options: ts.CompilerOptions = { ...OPTIONS, typeRoots: typeRootsFor(packageRoot) };
  const host = ts.createCompilerHost(options);
  const insidePackage = join(packageRoot, '__dataflow_job__.ts');
  const engineFiles = new Set<string>();
  let declarationsMade = 0;

  const resolve = (name: string, containingFile: string, mode: ts.ResolutionMode): ts.ResolvedModuleFull | undefined =>
    ts.resolveModuleName(name, containingFile, options, host, undefined, undefined, mode).resolvedModule;

  host.resolveModuleNameLiterals = (literals, containingFile, _redirect, _options, containingSource) => literals.map((literal) => {
    const name = literal.text;
    const mode = ts.getModeForUsageLocation(containingSource, literal, options);
    const fromEngine = engineFiles.has(containingFile);
    const isBare = !/^(\.{1,2}(\/|$)|\/)/.test(name);
    let resolved: ts.ResolvedModuleFull | undefined;
    if (name === PACKAGE_NAME || name.startsWith(`${PACKAGE_NAME}/`)) {
      resolved = resolve(name, insidePackage, mode);
      if (resolved && !resolved.isExternalLibraryImport) engineFiles.add(resolved.resolvedFileName);
    } else if (fromEngine && isBare) {
      resolved = SHARED_PACKAGES.includes(packageNameOf(name)) ? resolve(name, containingFile, mode) : undefined;
    } else {
      resolved = resolve(name, containingFile, mode) ?? (isBare ? resolve(name, insidePackage, mode) : undefined);
      if (resolved && fromEngine && !resolved.isExternalLibraryImport) engineFiles.add(resolved.resolvedFileName);
    }
    return { resolvedModule: resolved };
  });

  const readSource = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (!engineFiles.has(fileName)) return readSource(fileName, languageVersion, onError, shouldCreate);
    const text = readFileSync(fileName, 'utf8');
    const cached = cachedDeclaration(declarationDir, fileName, text);
    if (!cached.hit) declarationsMade++;
    return ts.createSourceFile(fileName, cached.text, languageVersion, true);
  };

  const program = ts.createProgram({ rootNames: [jobPath], options, host });
  const errors: string[] = [];
  const files: string[] = [];
  let userFileCount = 0;
  for (const file of program.getSourceFiles()) {
    files.push(file.fileName);
    if (engineFiles.has(file.fileName) || file.isDeclarationFile || program.isSourceFileFromExternalLibrary(file)) continue;
    userFileCount++;
    const diagnostics = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
    for (const d of diagnostics) if (d.category === ts.DiagnosticCategory.Error) errors.push(describe(d));
  }
  return { errors, files, userFileCount, engineFileCount: engineFiles.size, declarationsMade };
}

function describe(d: ts.Diagnostic): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
  if (!d.file || d.start === undefined) return text;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${d.file.fileName}:${line + 1}:${character + 1}: ${text}`;
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Where @types/node is for the package (hoisted or not), so jobs outside any project get node's types. */
function typeRootsFor(packageRoot: string): string[] | undefined {
  try {
    const nodeTypes = createRequire(join(packageRoot, 'package.json')).resolve('@types/node/package.json');
    return [dirname(dirname(nodeTypes))];
  } catch {
    return undefined;
  }
}

/** The declarations of one engine file, from the cache when its source (and the compiler) are unchanged. */
function cachedDeclaration(dir: string, fileName: string, text: string): { text: string; hit: boolean } {
  const key = createHash('sha256').update(ts.version).update('\0').update(text).digest('hex');
  const path = join(dir, `${key}.d.ts`);
  try {
    return { text: readFileSync(path, 'utf8'), hit: true };
  } catch {
    // not cached yet
  }
  const output = ts.transpileDeclaration(text, { fileName, compilerOptions: { ...OPTIONS, declaration: true }, reportDiagnostics: false }).outputText;
  try {
    mkdirSync(dir, { recursive: true });
    const partial = `${path}.${process.pid}.tmp`;
    writeFileSync(partial, output);
    renameSync(partial, path); // whole or absent, even with concurrent submits
  } catch {
    // a read-only cache only costs time
  }
  return { text: output, hit: false };
}

