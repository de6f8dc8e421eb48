// What a task needs to read one CSV partition: plain data, planned on the driver (scan.ts) and
// shipped to executors inside the plan.
//
// A partition is a byte range of one file. It owns the records that START in [start, end) — the
// Hadoop TextInputFormat rule: a reader skips to the first line start at or after `start` and
// reads on past `end` to finish its last record, so every line is read exactly once:
//
//   file:   id,name\n1,ann\n2,bob\n3,cy\n        (header + 3 rows, 26 bytes)
//   ranges:  [0, 13)          [13, 26)
//   rows:    header, 1,ann    2,bob (starts at 16), 3,cy

import type { CsvColumnType } from './column-types.ts';
import type { CsvSyntax } from './options.ts';
import type { StorageOptions } from '../storage/resolve.ts';

export interface CsvPartition {
  file: string;
  start: number;
  end: number;
}

/** How to read every partition of one scan. */
export interface CsvReadPlan extends CsvSyntax {
  /** Each file's first record is a header (skipped by the partition that starts at byte 0). */
  header: boolean;
  badRows: 'error' | 'skip';
  /** Every field of a row in file order: output name and type, or 'skip' (parsed, not kept). */
  fields: Array<{ name: string; type: CsvColumnType | 'skip' }>;
  /** Indices into `fields` of the output columns, in output order. */
  output: number[];
  /** Storage options for the files (S3 endpoint, HTTP timeout); never credentials (see storage/shipping.ts). */
  storage?: StorageOptions;
}
