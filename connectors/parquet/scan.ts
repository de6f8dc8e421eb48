// Plans a Parquet scan: resolves the input to files, reads every footer (never the data), checks
// that all files agree on the schema of the columns to read, and cuts the input into partitions.
//
// One partition = one row group of one file, the natural unit of parallel Parquet reading (Spark
// splits by byte range and assigns row groups by their midpoint; with whole row groups as splits we
// get the same result without the byte arithmetic):
//
//   /data/ratings/part-00000.parquet  row groups [1048576, 1048576, 200]  -> partitions 0, 1, 2
//   /data/ratings/part-00001.parquet  row groups [900000]                -> partition 3

import * as arrow from 'apache-arrow';
import { ParquetColumnError, ParquetSchemaMismatchError } from './errors.ts';
import { listParquetFiles } from './files.ts';
import { type ParquetFooter, readParquetFooter } from './footer.ts';
import { plainSchema } from './dictionary.ts';

/** One unit of work for a reader task: a row group of a file. */
export interface ParquetPartition {
  file: string;
  rowGroup: number;
  numRows: number;
}

/** The plan of a Parquet read: the (projected, plain) schema, the files and the partitions. */
export interface ParquetScan {
  schema: arrow.Schema;
  files: string[];
  partitions: ParquetPartition[];
}

const FOOTER_CONCURRENCY = 16;

/**
 * Plans reading `path` (a `.parquet` file or a directory of them), optionally projecting `columns`.
 *
 * @example
 * const scan = await planParquetScan('/data/ratings', { columns: ['userId', 'rating'] });
 * scan.schema.fields.map((f) => f.name); // ['userId', 'rating']
 * scan.partitions[0]; // { file: '/data/ratings/part-00000.parquet', rowGroup: 0, numRows: 1048576 }
 */
export async function planParquetScan(path: string, options: { columns?: string[] } = {}): Promise<ParquetScan> {
  const files = await listParquetFiles(path);
  const footers = await mapLimit(files, FOOTER_CONCURRENCY, readParquetFooter);

  const first = footers[0]!;
  const firstSchema = plainSchema(first.schema);
  const columns = options.columns ?? firstSchema.fields.map((f) => f.name);
  validateColumns(columns, firstSchema, first.file);
  const schema = projectSchema(firstSchema, columns);
  for (const footer of footers.slice(1)) checkSameSchema(footer, schema, first.file, options.columns === undefined);

  const partitions: ParquetPartition[] = [];
  for (const footer of footers) {
    footer.rowGroups.forEach((group, rowGroup) => partitions.push({ file: footer.file, rowGroup, numRows: group.numRows }));
  }
  return { schema, files, partitions };
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
  const actual = plainSchema(footer.schema);
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
