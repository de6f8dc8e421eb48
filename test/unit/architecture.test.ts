// The layering of architecture.json, checked against the real import graph (test/helpers/import-graph.ts):
// the engine never imports the library jobs or the package's face; jobs import only the public API
// (engine/index.ts) and the Door (engine/extend.ts); no two of Scheduler, Shuffle, Cluster and
// Executor import each other; every "never" rule of architecture.json holds; every source file
// belongs to a part. A failure lists each offending import as `file → file`.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importEdges, partOf, sourceFiles } from '../helpers/import-graph.ts';
import type { ImportEdge } from '../helpers/import-graph.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const architecture = JSON.parse(readFileSync(path.join(repo, 'architecture.json'), 'utf8')) as {
  parts: Record<string, { is: string[]; says: string }>;
  never: Array<[string, string, string]>;
};
const files = sourceFiles(repo, ['index.ts', 'engine', 'connectors', 'jobs']);
const edges = importEdges(repo, files);
const part = (file: string): string | undefined => partOf(file, architecture.parts);

/**
 * Rules broken on purpose for now, each with the work that removes it. The test fails if one of
 * them holds again (so the entry must then be deleted), and names the imports while it is broken.
 */
const KNOWN_PENDING: Array<{ rule: [string, string]; why: string }> = [
  // none: Executor → Cluster, Shuffle → Scheduler and Api → Executor went with engine/protocol/.
];

/** `file → file (specifier)` lines, for failure messages. */
const describeEdges = (list: readonly ImportEdge[]): string =>
  list.map((e) => `  ${e.from} → ${e.to}${e.specifier.startsWith('.') ? '' : ` ('${e.specifier}')`}`).join('\n');

const between = (a: string, b: string): ImportEdge[] => edges.filter((e) => part(e.from) === a && part(e.to) === b);

describe('architecture (architecture.json against the import graph)', () => {
  it('reads a real graph', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(edges.length).toBeGreaterThan(300);
    expect(edges.some((e) => e.from === 'index.ts' && e.to === 'engine/index.ts')).toBe(true);
  });

  it('every source file belongs to exactly one part', () => {
    const homeless = files.filter((f) => part(f) === undefined);
    expect(homeless, `files in no part of architecture.json; add their folder to a part's "is":\n  ${homeless.join('\n  ')}`).toEqual([]);
  });

  it('engine/ imports nothing from jobs/ nor the package face that re-exports them', () => {
    const bad = edges.filter((e) => e.from.startsWith('engine/') && (e.to.startsWith('jobs/') || e.to === 'index.ts'));
    expect(bad, `the engine must not know its library jobs:\n${describeEdges(bad)}`).toEqual([]);
  });

  it('jobs/ import only the public API (engine/index.ts) and the Door (engine/extend.ts)', () => {
    const allowed = (to: string): boolean => to.startsWith('jobs/') || to === 'engine/index.ts' || to === 'engine/extend.ts';
    const bad = edges.filter((e) => e.from.startsWith('jobs/') && !allowed(e.to));
    expect(bad, `jobs use the public door only (export what they need from engine/extend.ts):\n${describeEdges(bad)}`).toEqual([]);
  });

  it('no two of Scheduler, Shuffle, Cluster and Executor import each other', () => {
    const core = ['Scheduler', 'Shuffle', 'Cluster', 'Executor'];
    const problems: string[] = [];
    for (const a of core) {
      for (const b of core) {
        if (a >= b) continue;
        const ab = between(a, b);
        const ba = between(b, a);
        if (ab.length > 0 && ba.length > 0 && !pending(a, b) && !pending(b, a)) {
          problems.push(`${a} ⇄ ${b}:\n${describeEdges(ab)}\n${describeEdges(ba)}`);
        }
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it.each(architecture.never.map(([from, to, why]) => ({ from, to, why })))('never $from → $to ($why)', ({ from, to, why }) => {
    for (const name of [from, to]) expect(Object.keys(architecture.parts), `rule names unknown part ${name}`).toContain(name);
    const bad = between(from, to);
    const known = KNOWN_PENDING.find((k) => k.rule[0] === from && k.rule[1] === to);
    if (known) {
      expect(bad.length, `${from} → ${to} is listed as known-pending (${known.why}) but no longer happens: remove it from KNOWN_PENDING`).toBeGreaterThan(0);
      console.warn(`known-pending: ${from} → ${to} (${known.why}):\n${describeEdges(bad)}`);
      return;
    }
    expect(bad, `${from} must never import ${to} (${why}):\n${describeEdges(bad)}`).toEqual([]);
  });
});

function pending(a: string, b: string): boolean {
  return KNOWN_PENDING.some((k) => k.rule[0] === a && k.rule[1] === b);
}
