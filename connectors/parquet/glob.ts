// Expands a path pattern with `*` (any characters within one folder name), `?` (one character) and
// `**` (any number of folders, including none) into the existing paths it matches.
//
//   /data/ratings/*.parquet            files directly in /data/ratings
//   /data/ratings/year=*/month=*/*     one level of year folders, one of month folders
//   /data/ratings/**/*.parquet         .parquet files at any depth
//
// Names starting with `_` or `.` (such as `_SUCCESS`, `_temporary`, `.crc` files) are matched only
// by a pattern segment that itself starts with that character, as in Hadoop's globber.

import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Does this path contain glob characters? */
export function isGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

/**
 * The paths (files or folders) `pattern` matches, sorted, plus the folder before the first
 * wildcard (the base that Hive-style partition folders are found under).
 *
 * @example
 * await expandGlob('/data/year=*' + '/*.parquet');
 * // { base: '/data', matches: ['/data/year=2023/a.parquet', '/data/year=2024/b.parquet'] }
 */
export async function expandGlob(pattern: string): Promise<{ base: string; matches: string[] }> {
  const absolute = path.resolve(pattern);
  const root = path.parse(absolute).root;
  const segments = absolute.slice(root.length).split(path.sep).filter((s) => s.length > 0);
  const firstWild = segments.findIndex(isGlob);
  const base = path.join(root, ...segments.slice(0, firstWild));
  const matches = new Set<string>();
  await walk(base, segments.slice(firstWild), 0, matches);
  return { base, matches: [...matches].sort() };
}

async function walk(dir: string, segments: string[], i: number, out: Set<string>): Promise<void> {
  if (i === segments.length) {
    out.add(dir);
    return;
  }
  const segment = segments[i]!;
  if (segment === '**') {
    await walk(dir, segments, i + 1, out); // zero folders
    for (const entry of await entries(dir)) {
      if (entry.isDirectory() && !isHidden(entry.name)) await walk(path.join(dir, entry.name), segments, i, out);
    }
    return;
  }
  if (!isGlob(segment)) {
    const next = path.join(dir, segment);
    if (await exists(next)) await walk(next, segments, i + 1, out);
    return;
  }
  const regex = segmentRegex(segment);
  const last = i === segments.length - 1;
  for (const entry of await entries(dir)) {
    if (isHidden(entry.name) && entry.name[0] !== segment[0]) continue;
    if (!regex.test(entry.name)) continue;
    if (!last && !entry.isDirectory()) continue;
    await walk(path.join(dir, entry.name), segments, i + 1, out);
  }
}

/**
 * Does `segments` (a relative path split at '/', e.g. ['year=2024', 'part-0.parquet']) match the
 * pattern `pattern` (split the same way), by the rules expandGlob applies to local folders? Used
 * where folders cannot be walked, only listed (object stores): every segment but the last of a
 * listed path is a folder when `lastIsFile`, and `**` only crosses folders.
 *
 * @example
 * matchSegments(['year=*', '*.parquet'], ['year=2024', 'a.parquet'], true); // true
 * matchSegments(['**', '*.parquet'], ['_tmp', 'a.parquet'], true);          // false: `**` skips hidden folders
 */
export function matchSegments(pattern: readonly string[], segments: readonly string[], lastIsFile: boolean): boolean {
  const isFolder = (i: number) => !lastIsFile || i < segments.length - 1;
  const match = (pi: number, si: number): boolean => {
    if (pi === pattern.length) return si === segments.length;
    const segment = pattern[pi]!;
    if (segment === '**') {
      if (match(pi + 1, si)) return true;
      return si < segments.length && isFolder(si) && !isHidden(segments[si]!) && match(pi, si + 1);
    }
    if (si === segments.length) return false;
    const name = segments[si]!;
    if (!isGlob(segment)) return name === segment && match(pi + 1, si + 1);
    if (isHidden(name) && name[0] !== segment[0]) return false;
    return segmentRegex(segment).test(name) && match(pi + 1, si + 1);
  };
  return match(0, 0);
}

/** `*` → any run of characters, `?` → one character, everything else literal. */
export function segmentRegex(segment: string): RegExp {
  let source = '';
  for (const c of segment) {
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else source += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

function isHidden(name: string): boolean {
  return name.startsWith('_') || name.startsWith('.');
}

async function entries(dir: string): Promise<import('node:fs').Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return []; // not a folder, or gone
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
