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
// Declaration files parsed by an earlier check (ParsedFiles, held by the type-check snapshot) are
// reused while unchanged, so a check then parses only the user's files.

import ts from 'typescript';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SHARED_PACKAGES } from '../../closure/shared-packages.ts';
import { isInstalledFile, type ParsedFiles } from './parsed-files.ts';

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
  /** Declaration files taken already parsed from an earlier check (ParsedFiles). */
  keptFiles: number;
  /** Files whose kept parse was out of date, or engine files it lacked: read afresh. */
  staleFiles: number;
  /** How the checking process spent its time, when it was one of its own (DATAFLOW_TIMING). */
  process?: string;
}

/** A check's result with what it parsed, for ParsedFiles.keep. */
export interface JobCheck {
  result: JobCheckResult;
  program: ts.Program;
  /** Engine files by declaration key (the hash of the source they were made from). */
  engineKeys: Map<string, string>;
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
  return runCheck(request).result;
}

/**
 * Checks `request.jobPath` (with `rootText`: that text standing in for the file), reusing the
 * declaration files `parsed` holds while they are unchanged.
 */
export function runCheck(request: JobCheckRequest, parsed?: ParsedFiles, rootText?: string): JobCheck {
  const { jobPath, packageRoot, declarationDir } = request;
  const options: ts.CompilerOptions = { ...OPTIONS, typeRoots: typeRootsFor(packageRoot) };
  const host = ts.createCompilerHost(options);
  host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors; // as tsc: JSDoc only where it can change an error
  const insidePackage = join(packageRoot, '__dataflow_job__.ts');
  const engineFiles = new Set<string>();
  const engineKeys = new Map<string, string>();
  let declarationsMade = 0;
  let keptFiles = 0;
  let staleFiles = 0;
  /** The kept parse if there is one; counts what the check found. */
  const take = (kept: ReturnType<ParsedFiles['engineFile']>, isEngine: boolean): ts.SourceFile | undefined => {
    if (typeof kept === 'object') {
      keptFiles++;
      return kept.file;
    }
    if (kept === 'stale' || (isEngine && parsed)) staleFiles++; // an engine file the keeper lacks is new
    return undefined;
  };

  if (parsed) parsed.resolutions ??= ts.createModuleResolutionCache(host.getCurrentDirectory(), host.getCanonicalFileName, options);
  const resolve = (name: string, containingFile: string, mode: ts.ResolutionMode): ts.ResolvedModuleFull | undefined =>
    ts.resolveModuleName(name, containingFile, options, host, parsed?.resolutions, undefined, mode).resolvedModule;

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
    if (fileName === jobPath && rootText !== undefined) return ts.createSourceFile(fileName, rootText, languageVersion, true);
    if (!engineFiles.has(fileName)) {
      const kept = parsed && isInstalledFile(fileName) ? take(parsed.installedFile(fileName), false) : undefined;
      return kept ?? readSource(fileName, languageVersion, onError, shouldCreate);
    }
    let text: string;
    try {
      text = readFileSync(fileName, 'utf8');
    } catch (error) {
      if (parsed) staleFiles++; // resolved from kept resolutions, since removed
      onError?.((error as Error).message);
      return undefined;
    }
    const key = declarationKey(text);
    engineKeys.set(fileName, key);
    const kept = parsed ? take(parsed.engineFile(fileName, key), true) : undefined;
    if (kept) return kept;
    const cached = cachedDeclaration(declarationDir, fileName, key, text);
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
  const result = { errors, files, userFileCount, engineFileCount: engineFiles.size, declarationsMade, keptFiles, staleFiles };
  return { result, program, engineKeys };
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

/** What an engine file's declarations are made from: the compiler and the file's source. */
function declarationKey(source: string): string {
  return createHash('sha256').update(ts.version).update('\0').update(source).digest('hex');
}

/** The declarations of one engine file, from the cache when its source (and the compiler) are unchanged. */
function cachedDeclaration(dir: string, fileName: string, key: string, text: string): { text: string; hit: boolean } {
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

