// Parquet through the engine (master 'local', tasks in this process): partitioned writes under the
// commit protocol, then reads with Hive columns, pruning and row filtering.
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../../../engine/dataset/session.ts';
import { onParquetPartitionRead } from '../../../../connectors/parquet/read.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';

const tmp = useTmpDir('parquet-session');
let session: Session;
beforeAll(async () => {
  session = await Session.create({ master: 'local' });
});
afterAll(async () => {
  await session.stop();
});

const rows = Array.from({ length: 40 }, (_, i) => ({ id: i, year: 2020 + (i % 3), city: i % 4 === 0 ? 'Paris' : 'São Paulo/SP', rating: (i % 10) / 2 }));

describe('writeParquet with partitionBy, read back with Hive columns and filters', () => {
  it('writes one part file per task and folder, atomically, and reads the same rows back', async () => {
    const dir = path.join(tmp(), 'out');
    const written = await session.fromRows(rows, { numPartitions: 2 }).writeParquet(dir, { partitionBy: ['year', 'city'], compression: 'zstd', rowGroupSize: 4 });
    expect(written).toEqual({ files: 2, rows: 40 });
    const files = (await readdir(dir, { recursive: true })).map(String).filter((f) => f.endsWith('.parquet') || f === '_SUCCESS').sort();
    expect(files).toEqual([
      '_SUCCESS',
      'year=2020/city=Paris/part-00000.parquet', 'year=2020/city=Paris/part-00001.parquet',
      'year=2020/city=São Paulo%2FSP/part-00000.parquet', 'year=2020/city=São Paulo%2FSP/part-00001.parquet',
      'year=2021/city=Paris/part-00000.parquet', 'year=2021/city=Paris/part-00001.parquet',
      'year=2021/city=São Paulo%2FSP/part-00000.parquet', 'year=2021/city=São Paulo%2FSP/part-00001.parquet',
      'year=2022/city=Paris/part-00000.parquet', 'year=2022/city=Paris/part-00001.parquet',
      'year=2022/city=São Paulo%2FSP/part-00000.parquet', 'year=2022/city=São Paulo%2FSP/part-00001.parquet',
    ]);

    const back = await session.readParquet(dir);
    const table = await back.toTable();
    // fromRows made every number Float64; the year folders read back as Int32 (all values are ints)
    expect(table.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(['id: Float64', 'rating: Float64', 'year: Int32', 'city: Utf8']);
    const got = (await back.collect()).map((r) => ({ id: r.id, year: r.year, city: r.city, rating: r.rating })).sort((a, b) => Number(a.id) - Number(b.id));
    expect(got).toEqual(rows);
  });

  it('prunes files by partition values and row groups by statistics; pruned row groups are never read', async () => {
    const dir = path.join(tmp(), 'out');
    await session.fromRows(rows, { numPartitions: 1 }).writeParquet(dir, { partitionBy: ['year'], rowGroupSize: 5 });
    // 3 folders x (14 or 13 rows in groups of 5): by default a file's row groups make one
    // partition (they are far below partitionBytes); partitionBytes: 1 gives one per row group.
    expect((await session.readParquet(dir)).numPartitions).toBe(3);
    expect((await session.readParquet(dir, { partitionBytes: 1 })).numPartitions).toBe(9);

    const read: string[] = [];
    const stop = onParquetPartitionRead((p) => read.push(`${path.relative(dir, p.file)}#${p.rowGroup}`));
    try {
      const ds = await session.readParquet(dir, { columns: ['id', 'year'], filter: [['year', '=', 2021], ['id', '<', 10]] });
      expect(ds.numPartitions).toBe(1);
      expect((await ds.collect()).map((r) => r.id)).toEqual([1, 4, 7]);
      expect(read).toEqual(['year=2021/part-00000.parquet#0']);

      const none = await session.readParquet(dir, { filter: [['year', '>', 3000]] });
      expect(none.numPartitions).toBe(0);
      expect(await none.count()).toBe(0);
    } finally {
      stop();
    }
  });

  it('refuses a partition column that is not in the data or has an unsupported type, and leaves no output (not even the folder it created)', async () => {
    const dir = path.join(tmp(), 'out');
    await expect(session.fromRows(rows).writeParquet(dir, { partitionBy: ['nope'] })).rejects.toThrow(/partitionBy: column 'nope' is not in the dataset/);
    const withTime = new arrow.Table({ id: arrow.vectorFromArray([1, 2], new arrow.Int32()), at: arrow.vectorFromArray([0, 1000], new arrow.TimestampMillisecond()) });
    await expect(session.fromTable(withTime).writeParquet(dir, { partitionBy: ['at'], mode: 'overwrite' })).rejects.toThrow(
      /'at' is Timestamp<MILLISECOND>; partition by number, string or boolean/,
    );
    await expect(session.fromTable(withTime).writeParquet(dir, { partitionBy: ['id', 'at'], mode: 'overwrite' })).rejects.toThrow(/uses every column/);
    expect(existsSync(dir)).toBe(false); // the jobs created it, so their failure removed it
    await mkdir(dir);
    await expect(session.fromRows(rows).writeParquet(dir, { partitionBy: ['nope'] })).rejects.toThrow(/is not in the dataset/);
    expect(await readdir(dir)).toEqual([]); // an existing folder stays, empty
  });
});
