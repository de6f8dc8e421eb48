// Parsed (and bound) declaration files kept from one type-check for the next ones: the TypeScript
// libraries, installed packages' types and the engine's declarations, with the module resolutions
// made among them. The type-check snapshot (snapshot-main.ts) holds them, so a check parses and
// resolves only the job's files. A kept file is used only while it is provably the same: an
// installed file by size and mtime, an engine file by its declaration key (the hash of its
// source); otherwise the check counts it stale, and its result is not used (a new snapshot is built).

import type ts from 'typescript';
import { statSync } from 'node:fs';

/** What a check found for one file: the kept parse, a kept parse of other content, or nothing. */
export type KeptFile = { file: ts.SourceFile } | 'stale' | 'absent';

/** Size and mtime of an installed file (as the check cache fingerprints node_modules), or undefined when gone. */
export function installedSignature(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/** Whether a file belongs to an installed package (TypeScript's own libraries included). */
export function isInstalledFile(fileName: string): boolean {
  return fileName.includes('/node_modules/');
}

export class ParsedFiles {
  /** Module resolutions from the kept files' folders (and the package's, for `dataflow`). */
  resolutions: ts.ModuleResolutionCache | undefined;
  private readonly engine = new Map<string, { key: string; file: ts.SourceFile }>();
  private readonly installed = new Map<string, { signature: string; file: ts.SourceFile }>();

  /** The engine declarations of `fileName`, if kept for a source with declaration key `key`. */
  engineFile(fileName: string, key: string): KeptFile {
    const kept = this.engine.get(fileName);
    if (!kept) return 'absent';
    return kept.key === key ? { file: kept.file } : 'stale';
  }

  /** An installed declaration file, if kept and unchanged on disk since. */
  installedFile(fileName: string): KeptFile {
    const kept = this.installed.get(fileName);
    if (!kept) return 'absent';
    return installedSignature(fileName) === kept.signature ? { file: kept.file } : 'stale';
  }

  /**
   * Keeps a program's declaration files: engine files (with their declaration keys) and installed
   * ones; the user's own files never (they change between checks).
   */
  keep(program: ts.Program, engineKeys: ReadonlyMap<string, string>): void {
    for (const file of program.getSourceFiles()) {
      const key = engineKeys.get(file.fileName);
      if (key !== undefined) {
        this.engine.set(file.fileName, { key, file });
      } else if (file.isDeclarationFile && isInstalledFile(file.fileName)) {
        const signature = installedSignature(file.fileName);
        if (signature !== undefined) this.installed.set(file.fileName, { signature, file });
      }
    }
  }

  get size(): number {
    return this.engine.size + this.installed.size;
  }
}
