// `dataflow convert IN OUT.parquet`: CSV or MovieLens ratings to one Parquet file, streaming (memory
// stays bounded whatever the input size) and atomic (a temp file renamed when complete).

import type { CommandModule } from 'yargs';
import { InvalidInputError } from '../errors.ts';

interface ConvertArgs {
  in: string;
  out: string;
  format: string;
  delimiter?: string;
  header: boolean;
  'bad-rows': string;
  compression: string;
  'row-group-size': number;
}

export const convertCommand: CommandModule<object, ConvertArgs> = {
  command: 'convert <in> <out>',
  describe: 'convert CSV or MovieLens ratings (a file or a directory) into one Parquet file',
  builder: (y) => y
    .positional('in', { type: 'string', demandOption: true, describe: 'input file or directory' })
    .positional('out', { type: 'string', demandOption: true, describe: 'output .parquet file' })
    .option('format', { type: 'string', choices: ['auto', 'csv', 'movielens'], default: 'auto', describe: 'auto: movielens for a MovieLens directory, u.data or *.dat, else csv' })
    .option('delimiter', { type: 'string', describe: 'CSV field separator (default ","; "\\t" or "tab" for tabs; may be several characters)' })
    .option('header', { type: 'boolean', default: true, describe: 'CSV files start with a header line (--no-header: columns are _c0, _c1, ...)' })
    .option('bad-rows', { type: 'string', choices: ['error', 'skip'], default: 'error', describe: 'a malformed row fails the conversion, or is skipped and counted' })
    .option('compression', { type: 'string', choices: ['snappy', 'zstd', 'gzip', 'lz4', 'brotli', 'none'], default: 'snappy' })
    .option('row-group-size', { type: 'number', default: 1_048_576, describe: 'rows per Parquet row group' })
    .example('$0 convert ml-latest-small data/ratings.parquet', 'MovieLens ratings → Parquet (userId, itemId, rating, timestamp)')
    .example('$0 convert events.tsv events.parquet --delimiter tab --compression zstd', 'a tab-separated file') as never,
  handler: async (a) => {
    const rowGroupSize = a['row-group-size'];
    if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1) throw new InvalidInputError(`--row-group-size must be a positive integer, got ${rowGroupSize}`);
    const badRows = a['bad-rows'] as 'error' | 'skip';
    const started = performance.now();
    const { planCsvScan } = await import('../../connectors/csv/scan.ts');
    const { convertCsvToParquet } = await import('../../connectors/csv/convert.ts');
    const { planMovieLensScan, locateRatings } = await import('../../connectors/movielens/index.ts');
    const movielens = a.format === 'movielens' || (a.format === 'auto' && (await looksLikeMovieLens(a.in, locateRatings)));
    if (movielens && (a.delimiter !== undefined || !a.header)) {
      throw new InvalidInputError('--delimiter and --no-header apply to --format csv; MovieLens formats are detected from the file names');
    }
    const scan = movielens
      ? await planMovieLensScan(a.in, { badRows })
      : await planCsvScan(a.in, { badRows, header: a.header, ...(a.delimiter !== undefined ? { delimiter: unescapeDelimiter(a.delimiter) } : {}) });
    const result = await convertCsvToParquet(scan, a.out, { compression: a.compression as 'snappy', rowGroupSize });
    const skipped = result.skippedRows > 0 ? `, skipped ${result.skippedRows} bad rows (first: ${result.firstSkipped})` : '';
    process.stderr.write(
      `converted ${result.rows} rows (${movielens ? 'movielens' : 'csv'}: ${scan.schema.fields.map((f) => `${f.name} ${String(f.type)}`).join(', ')}) ` +
      `to ${a.out} (${(result.bytes / 1e6).toFixed(1)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s${skipped}\n`,
    );
  },
};

/** A MovieLens directory, or a file named like MovieLens ratings (u.data, u1.base, *.dat). */
async function looksLikeMovieLens(input: string, locate: (p: string) => Promise<{ file: string; format: string }>): Promise<boolean> {
  const name = input.replace(/\/+$/, '').split('/').pop() ?? '';
  if (/^u([0-9ab])?\.(data|base|test)$/.test(name) || name.endsWith('.dat')) return true;
  const { stat } = await import('node:fs/promises');
  const info = await stat(input).catch(() => undefined);
  if (!info?.isDirectory()) return false;
  return locate(input).then(() => true, () => false);
}

function unescapeDelimiter(text: string): string {
  if (text === 'tab' || text === '\\t') return '\t';
  return text.replace(/\\t/g, '\t');
}
