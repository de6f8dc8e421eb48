// The repository's import graph, for the architecture test: every .ts file under the given roots
// with the repository files it imports (static imports, `export … from`, and string-literal
// dynamic imports, read by TypeScript's own pre-processor, so comments and strings never count).
// Bare specifiers are external except the package's own names: `dataflow` is the face (index.ts)
// and `dataflow/extend` the Door (engine/extend.ts), as package.json's "exports" say.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface ImportEdge { from: string; to: string; specifier: string }

/** Repository-relative, '/'-separated paths of the .ts files under `roots` (folders or files). */
export function sourceFiles(repo: string, roots: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const abs = path.join(repo, rel);
    if (statSync(abs).isDirectory()) {
      for (const name of readdirSync(abs).sort()) walk(`${rel}/${name}`);
    } else if (/\.(ts|mts)$/.test(rel) && !rel.endsWith('.d.ts')) {
      out.push(rel);
    }
  };
  for (const root of roots) walk(root);
  return out;
}

/** The package's own bare names (package.json "exports"), mapped to repository files. */
export function packageNames(repo: string): Map<string, string> {
  const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { name: string; exports?: Record<string, string> };
  const names = new Map<string, string>();
  for (const [key, target] of Object.entries(pkg.exports ?? {})) {
    names.set(key === '.' ? pkg.name : `${pkg.name}/${key.replace(/^\.\//, '')}`, path.posix.normalize(target));
  }
  return names;
}

/** Every import of a repository file by one of `files`, once per pair (npm packages and builtins are left out). */
export function importEdges(repo: string, files: readonly string[]): ImportEdge[] {
  const own = packageNames(repo);
  const edges: ImportEdge[] = [];
  for (const from of files) {
    const source = readFileSync(path.join(repo, from), 'utf8');
    for (const { fileName: specifier } of ts.preProcessFile(source, true, true).importedFiles) {
      let to: string | undefined;
      if (specifier.startsWith('.')) to = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
      else to = own.get(specifier);
      if (to !== undefined && !edges.some((e) => e.from === from && e.to === to)) edges.push({ from, to, specifier });
    }
  }
  return edges;
}

/** The part a file belongs to: the part whose `is` entry (a file, or a folder ending in '/') matches it most specifically. */
export function partOf(file: string, parts: Record<string, { is: string[] }>): string | undefined {
  let best: { name: string; length: number } | undefined;
  for (const [name, part] of Object.entries(parts)) {
    for (const entry of part.is) {
      const hit = entry.endsWith('/') ? file.startsWith(entry) : file === entry;
      if (hit && (!best || entry.length > best.length)) best = { name, length: entry.length };
    }
  }
  return best?.name;
}
