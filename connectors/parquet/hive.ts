// Hive-style partition folders: `name=value` folder names below a dataset's root become columns.
//
//   /data/ratings/year=2023/month=12/part-00000.parquet   -> year = 2023, month = 12
//   /data/ratings/year=2024/month=1/part-00000.parquet    -> year = 2024, month = 1
//   /data/ratings/year=__HIVE_DEFAULT_PARTITION__/...      -> year = null
//
// A column is Int32 when every non-null value is an integer written the canonical way ("7", "-3",
// not "07" or "+3") within int32 range; otherwise Utf8. Characters that cannot appear in a folder
// name are escaped as %XX (as Spark does), and unescaped when read. Roots and files may be local
// paths or URLs (`s3://bucket/ratings/year=2024/...`). The partition columns come
// after the file's columns in the schema; their values are the same for every row of a file.

import { relativeLocation } from '../storage/url.ts';
import { ParquetPartitionError } from './errors.ts';

/** A partition column and its inferred type. */
export interface PartitionColumn {
  name: string;
  type: 'int32' | 'utf8';
}

/** A partition column's value in one folder. */
export type PartitionValue = number | string | null;

/** The folder name Hive (and Spark, and DuckDB) use for a null partition value. */
export const HIVE_NULL = '__HIVE_DEFAULT_PARTITION__';

/**
 * Finds the partition columns of `files` from their `name=value` folders below `root`, and each
 * file's values (aligned with the columns). Every file must have the same column names in the same
 * order; the first file that differs is named in the error.
 *
 * @example
 * discoverPartitions('/d', ['/d/year=2023/a.parquet', '/d/year=x/b.parquet']);
 * // { columns: [{ name: 'year', type: 'utf8' }], values: [['2023'], ['x']] }
 */
export function discoverPartitions(root: string | undefined, files: readonly string[]): { columns: PartitionColumn[]; values: PartitionValue[][] } {
  if (root === undefined || files.length === 0) return { columns: [], values: files.map(() => []) };
  const parsed = files.map((file) => parseFolders(root, file));
  const names = parsed[0]!.map(([name]) => name);
  for (const [i, folders] of parsed.entries()) {
    const got = folders.map(([name]) => name);
    if (got.length !== names.length || got.some((n, k) => n !== names[k])) {
      const show = (n: string[]) => (n.length === 0 ? 'no partition folders' : n.map((x) => `${x}=`).join('/'));
      throw new ParquetPartitionError(
        `${files[i]} is under ${show(got)} but ${files[0]} is under ${show(names)} (relative to ${root}); all files of a partitioned dataset must sit in the same kind of name=value folders`,
      );
    }
  }
  const columns = names.map((name, k): PartitionColumn => {
    const all = parsed.map((folders) => folders[k]![1]);
    return { name, type: all.every((v) => v === null || isCanonicalInt32(v)) ? 'int32' : 'utf8' };
  });
  const values = parsed.map((folders) => folders.map(([, raw], k): PartitionValue => (raw === null ? null : columns[k]!.type === 'int32' ? Number(raw) : raw)));
  return { columns, values };
}

/** The `name=value` folders of `file` below `root`, unescaped (value null for the Hive null folder). */
function parseFolders(root: string, file: string): Array<[string, string | null]> {
  // 'year=2024/month=1/part-0.parquet' below the root: every folder but the file name.
  const relative = relativeLocation(root, file);
  if (relative === undefined) return [];
  const out: Array<[string, string | null]> = [];
  for (const segment of relative.split('/').slice(0, -1)) {
    const eq = segment.indexOf('=');
    if (eq <= 0) continue; // an ordinary folder
    const raw = segment.slice(eq + 1);
    out.push([unescapePathName(segment.slice(0, eq)), raw === HIVE_NULL ? null : unescapePathName(raw)]);
  }
  return out;
}

function isCanonicalInt32(v: string): boolean {
  if (!/^-?(0|[1-9][0-9]{0,9})$/.test(v)) return false;
  const n = Number(v);
  return n >= -(2 ** 31) && n < 2 ** 31 && !(n === 0 && v.startsWith('-'));
}

/**
 * The folder path for partition values: `year=2024/month=1`. Null becomes `__HIVE_DEFAULT_PARTITION__`.
 *
 * @example
 * partitionFolder(['year', 'city'], [2024, 'São Paulo/SP']); // 'year=2024/city=São Paulo%2FSP'
 */
export function partitionFolder(names: readonly string[], values: readonly (string | number | bigint | boolean | null)[]): string {
  return names
    .map((name, i) => {
      const v = values[i];
      return `${escapePathName(name)}=${v === null || v === undefined ? HIVE_NULL : escapePathName(String(v))}`;
    })
    .join('/');
}

/** Characters escaped in partition folder names (Spark's list: separators, wildcards, controls). */
const NEEDS_ESCAPE = /[\u0000-\u001f\u007f"#%'*/:=?\\{}[\]^]/g;

/** Escapes a partition name or value for use in a folder name: `a/b` -> `a%2Fb`. */
export function escapePathName(s: string): string {
  if (s === '') return HIVE_NULL;
  return s.replace(NEEDS_ESCAPE, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * Reverses escapePathName. Runs of %XX are decoded as UTF-8 bytes when they form valid UTF-8 (as
 * written by URL-style encoders), else byte by byte; a `%` not followed by two hex digits stays.
 */
export function unescapePathName(s: string): string {
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    }
  });
}
