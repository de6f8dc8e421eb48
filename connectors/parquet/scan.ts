// Plans a Parquet scan: resolves the input to files, reads every footer (never the data), checks
// that all files agree on the schema of the columns to read, and cuts the input into partitions.
//
// The unit of the plan is one row group of one file (Spark splits by byte range and assigns row
// groups by their midpoint; with whole row groups as splits we get the same result without the byte
// arithmetic); read tasks then take runs of consecutive row groups up to a byte target (splits.ts):
//
//   /data/ratings/part-00000.parquet  row groups [1048576, 1048576, 200]  -> planned 0, 1, 2
//   /data/ratings/part-00001.parquet  row groups [900000]                -> planned 3

//
// Hive-style folders (`year=2024/`) below a directory or a glob's base add partition columns after
// the file columns (hive.ts). A `filter` prunes at plan time: whole files by their partition values,
// then row groups whose statistics prove that no row matches (predicate.ts); executors apply the
// same filter to the rows they read (row-filter.ts), so the result is exact.

import * as arrow from 'apache-arrow';
import { ParquetColumnError, ParquetPartitionError, ParquetSchemaMismatchError } from './errors.ts';
import { resolveParquetInput } from './files.ts';
import { type ParquetFooter, type RowGroupFooter, readParquetFooter } from './footer.ts';
import { canonicalSchema } from './decimal.ts';
import { discoverPartitions, type PartitionColumn, type PartitionValue } from './hive.ts';
import { checkFilter, mayMatch, type ParquetFilter, type ParquetPredicate } from './predicate.ts';
import { type ColumnStatistics, decodeStatistics } from './statistics.ts';
import type { StorageOptions } from '../storage/resolve.ts';
import { shippableStorageOptions } from '../storage/shipping.ts';

/** One unit of work for a reader task: a row group of a file. */
export interface ParquetPartition {
  file: string;
  rowGroup: number;
  numRows: number;
  /** The file's values of the scan's partition columns (absent when the scan has none). */
  partitionValues?: PartitionValue[];
}

/** What a reader task needs besides its partition: plain data, shipped with the plan. */
export interface ParquetReadOptions {
  /** The scan's Hive partition columns; each partition carries its values. */
  partitionColumns?: PartitionColumn[];
  /** Rows that do not match are dropped after decoding. */
  filter?: ParquetFilter;
  /** Storage options for the files (S3 endpoint, region, HTTP timeout); never credentials (see storage/shipping.ts). */
  storage?: StorageOptions;
}

/** The plan of a Parquet read: the (projected, plain) schema, the files and the partitions. */
export interface ParquetScan {
  schema: arrow.Schema;
  /** Files that matched the input (before pruning). */
  files: string[];
  partitions: ParquetPartition[];
  /** Per partition: compressed bytes of the column chunks a reader decodes (all of the row group's when it cannot project). */
  partitionBytes: number[];
  /** Row groups of the files kept after partition pruning, before statistics pruning (partitions.length after). */
  totalRowGroups: number;
  /** Options for readParquetPartition (partition columns, filter). */
  read: ParquetReadOptions;
}

/** Options of planParquetScan. */
export interface ParquetScanOptions {
  /** Columns to read, in this order (file columns and partition columns); all when omitted. */
  columns?: string[];
  /** AND of simple predicates: prunes files and row groups, and filters the rows read. */
  filter?: ParquetFilter;
  /**
   * Options of the storage backend, e.g. `{ endpoint: 'http://127.0.0.1:9000' }` for an
   * S3-compatible server. They travel with the plan to the executors, so they may not hold
   * credentials: those come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
   */
  storage?: StorageOptions;
  /**
   * Bytes of compressed column chunks (of the columns read) one partition aims at: consecutive row
   * groups of a file are packed up to it (splits.ts; default 8 MiB). 1 gives one partition per row group.
   */
  partitionBytes?: number;
  /**
   * Read a directory dataflow did not finish writing (a failed job's, or one whose driver was
   * killed during the commit: its `_dataflow_writing` mark is there) as it is. Default false: such
   * a directory is refused, naming it, since it may hold only part of its rows.
   */
  allowIncomplete?: boolean;
}

const FOOTER_CONCURRENCY = 16;

/**
 * Plans reading `path` (a `.parquet` file, a directory of them, or a glob; a local path or a
 * file://, http(s):// or s3:// URL), optionally projecting `columns` and pruning with `filter`.
 *
 * @example
 * const scan = await planParquetScan('/data/ratings', { columns: ['userId', 'rating'], filter: [['rating', '>=', 4]] });
 * scan.schema.fields.map((f) => f.name); // ['userId', 'rating']
 * scan.partitions[0]; // { file: '/data/ratings/part-00000.parquet', rowGroup: 0, numRows: 1048576 }
 */
export async function planParquetScan(path: string, options: ParquetScanOptions = {}): Promise<ParquetScan> {
  const storage = shippableStorageOptions(options.storage, `readParquet(${path})`);
  const { root, files } = await resolveParquetInput(path, storage, { allowIncomplete: options.allowIncomplete === true });
  const hive = discoverPartitions(root, files);
  const first = await readParquetFooter(files[0]!, storage);
  const fileSchema = canonicalSchema(first.schema);
  const fullSchema = withPartitionColumns(fileSchema, hive.columns, first.file);

  const columns = options.columns ?? fullSchema.fields.map((f) => f.name);
  validateColumns(columns, fullSchema, first.file);
  const filter = options.filter === undefined ? [] : checkFilter(options.filter, fullSchema, path);
  const isPartitionColumn = (name: string) => hive.columns.some((c) => c.name === name);

  // Files whose partition values fail the filter are dropped before their footers are read.
  const partitionStats = (values: PartitionValue[], name: string, numRows: number): ColumnStatistics => {
    const v = values[hive.columns.findIndex((c) => c.name === name)];
    return v === null || v === undefined ? { nullCount: numRows } : { min: v, max: v, nullCount: 0 };
  };
  const kept = files
    .map((file, i) => ({ file, values: hive.values[i]! }))
    .filter(({ values }) => filter.every((p) => !isPartitionColumn(p[0]) || mayMatch(p, partitionStats(values, p[0], 1), 1)));

  const footers = await mapLimit(kept, FOOTER_CONCURRENCY, ({ file }) => (file === first.file ? Promise.resolve(first) : readParquetFooter(file, storage)));
  const fileColumns = [...new Set([...columns, ...filter.map((p) => p[0])])].filter((c) => !isPartitionColumn(c));
  const checked = projectSchema(fileSchema, fileColumns);
  for (const footer of footers) {
    if (footer !== first) checkSameSchema(footer, checked, first.file, options.columns === undefined);
  }

  const partitions: ParquetPartition[] = [];
  const partitionBytes: number[] = [];
  let totalRowGroups = 0;
  footers.forEach((footer, i) => {
    const values = kept[i]!.values;
    const schema = canonicalSchema(footer.schema);
    footer.rowGroups.forEach((group, rowGroup) => {
      totalRowGroups++;
      const matches = filter.every((p) =>
        isPartitionColumn(p[0]) ? mayMatch(p, partitionStats(values, p[0], group.numRows), group.numRows) : rowGroupMayMatch(p, group, schema),
      );
      if (!matches) return;
      const part: ParquetPartition = { file: footer.file, rowGroup, numRows: group.numRows };
      if (hive.columns.length > 0) part.partitionValues = values;
      partitions.push(part);
      partitionBytes.push(bytesToDecode(group, schema, fileColumns));
    });
  });
  const read: ParquetReadOptions = {};
  if (hive.columns.length > 0) read.partitionColumns = hive.columns;
  if (filter.length > 0) read.filter = filter;
  if (storage !== undefined) read.storage = storage;
  return { schema: projectSchema(fullSchema, columns), files, partitions, partitionBytes, totalRowGroups, read };
}

/** Compressed bytes of the chunks of `names` in a flat row group (every chunk when the file is nested). */
export function bytesToDecode(group: RowGroupFooter, schema: arrow.Schema, names: readonly string[]): number {
  const flat = group.columns.length === schema.fields.length && group.columns.every((c, i) => c.path === schema.fields[i]!.name);
  if (!flat) return group.end - group.start;
  return group.columns.reduce((sum, c) => sum + (names.includes(c.path) ? c.length : 0), 0);
}

/** Can row group `group` hold a row matching `p` (a predicate on a file column)? */
function rowGroupMayMatch(p: ParquetPredicate, group: RowGroupFooter, schema: arrow.Schema): boolean {
  const chunk = group.columns.find((c) => c.path === p[0]);
  const field = schema.fields.find((f) => f.name === p[0]);
  if (chunk === undefined || field === undefined) return true;
  return mayMatch(p, decodeStatistics(chunk.statistics, chunk.physicalType, field.type), group.numRows);
}

/** The file schema with the partition columns appended (Int32 or Utf8, nullable). */
export function withPartitionColumns(schema: arrow.Schema, columns: readonly PartitionColumn[], file: string): arrow.Schema {
  if (columns.length === 0) return schema;
  for (const c of columns) {
    if (schema.fields.some((f) => f.name === c.name)) {
      throw new ParquetPartitionError(
        `partition folder '${c.name}=...' clashes with column '${c.name}' stored in ${file}; rename the folders or the column`,
      );
    }
  }
  const extra = columns.map((c) => new arrow.Field(c.name, c.type === 'int32' ? new arrow.Int32() : new arrow.Utf8(), true));
  return new arrow.Schema([...schema.fields, ...extra], schema.metadata);
}

/** Checks a column list against a schema: present, not repeated, not empty. */
export function validateColumns(columns: readonly string[], schema: arrow.Schema, file: string): void {
  const available = schema.fields.map((f) => f.name);
  if (columns.length === 0) {
    throw new ParquetColumnError(`no columns requested from ${file}; pass at least one of: ${available.join(', ')}`);
  }
  const seen = new Set<string>();
  for (const column of columns) {
    if (seen.has(column)) throw new ParquetColumnError(`column '${column}' is requested twice; list each column once`);
    seen.add(column);
    if (!available.includes(column)) {
      throw new ParquetColumnError(`column '${column}' is not in ${file}; available columns: ${available.join(', ')}`);
    }
  }
}

/** The schema restricted to `columns`, in the order asked for. */
export function projectSchema(schema: arrow.Schema, columns: readonly string[]): arrow.Schema {
  return new arrow.Schema(
    columns.map((c) => schema.fields.find((f) => f.name === c)!),
    schema.metadata,
  );
}

/**
 * Every file must have each column to read, with the same type (nullability is not compared: all
 * engine columns are nullable). Without a projection, extra columns are a mismatch too.
 */
function checkSameSchema(footer: ParquetFooter, expected: arrow.Schema, firstFile: string, exact: boolean): void {
  const actual = canonicalSchema(footer.schema);
  const fix = 'all files of one Parquet input must share a schema; read them separately or rewrite them';
  for (const want of expected.fields) {
    const got = actual.fields.find((f) => f.name === want.name);
    if (got === undefined) {
      throw new ParquetSchemaMismatchError(`${footer.file} has no column '${want.name}', which ${firstFile} has; ${fix}`);
    }
    if (!arrow.util.compareTypes(want.type, got.type)) {
      throw new ParquetSchemaMismatchError(
        `column '${want.name}' is ${String(got.type)} in ${footer.file} but ${String(want.type)} in ${firstFile}; ${fix}`,
      );
    }
  }
  if (exact) {
    const extra = actual.fields.find((f) => !expected.fields.some((e) => e.name === f.name));
    if (extra !== undefined) {
      throw new ParquetSchemaMismatchError(
        `${footer.file} has column '${extra.name}', which ${firstFile} lacks; ${fix} (or pass columns: [...] to read the shared ones)`,
      );
    }
  }
}

/** Maps `items` with at most `limit` calls in flight, keeping the input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
