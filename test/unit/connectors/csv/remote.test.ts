// CSV on S3 (s3rver on 127.0.0.1), with the endpoint passed as a storage option that travels in
// the read plan: listing a prefix, sampling headers, byte-range partitions read in small chunks,
// and bad-row errors that name the s3:// URL and the line.

import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../../engine/errors.ts';
import { CsvBadRowError, CsvNotFoundError } from '../../../../connectors/csv/errors.ts';
import { readCsvBatches } from '../../../../connectors/csv/read.ts';
import { planCsvScan, type CsvScan } from '../../../../connectors/csv/scan.ts';
import { S3Storage } from '../../../../connectors/storage/s3.ts';
import { closeS3Clients } from '../../../../connectors/storage/s3-client.ts';
import { S3RVER_CREDENTIALS, type S3TestServer, startS3Server } from '../storage/s3-server.ts';

let server: S3TestServer;
let storage: { endpoint: string };
const savedEnv = { ...process.env };
const rows = Array.from({ length: 300 }, (_, i) => ({ id: i, name: i % 3 === 0 ? `a, "b" ${i}` : `n${i}` }));
const text = (from: number, to: number) =>
  `id,name\n${rows.slice(from, to).map((r) => `${r.id},${r.name.includes(',') ? `"${r.name.replace(/"/g, '""')}"` : r.name}`).join('\n')}\n`;

async function readAll(scan: CsvScan, chunkBytes: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const part of scan.partitions) {
    for await (const batch of readCsvBatches(part, scan.plan, { chunkBytes })) for (const row of new arrow.Table(batch)) out.push(row.toJSON());
  }
  return out;
}

beforeAll(async () => {
  server = await startS3Server(['csvs']);
  storage = { endpoint: server.endpoint };
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  const s3 = new S3Storage({ endpoint: server.endpoint, credentials: S3RVER_CREDENTIALS });
  const put = (key: string, body: string) => s3.write(`s3://csvs/${key}`, new TextEncoder().encode(body));
  await put('rows/part-0.csv', text(0, 150));
  await put('rows/part-1.csv', text(150, 300));
  await put('rows/_SUCCESS', '');
  await put('bad.csv', 'a,b\n1,2\n3,x\n');
});
afterAll(async () => {
  process.env = savedEnv;
  closeS3Clients();
  await server.close();
});

describe('CSV on S3', () => {
  it('reads every row of a prefix exactly once, in byte ranges and small chunks', async () => {
    const scan = await planCsvScan('s3://csvs/rows/', { storage, partitionBytes: 700 });
    expect(scan.files).toEqual(['s3://csvs/rows/part-0.csv', 's3://csvs/rows/part-1.csv']);
    expect(scan.partitions.length).toBeGreaterThan(4);
    expect(scan.plan.storage).toEqual(storage);
    expect(await readAll(scan, 97)).toEqual(rows);
  });

  it('names the s3:// URL and line of a bad row', async () => {
    const scan = await planCsvScan('s3://csvs/bad.csv', { storage, schema: { b: 'int32' } });
    const error = await readAll(scan, 4).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvBadRowError);
    expect((error as CsvBadRowError).message).toMatch(/^s3:\/\/csvs\/bad\.csv:3: column 'b' \(field 2\) has value "x", which is not a valid int32/);
  });

  it('says what is missing, and refuses credentials in the options that travel with the plan', async () => {
    await expect(planCsvScan('s3://csvs/none/', { storage })).rejects.toThrow(CsvNotFoundError);
    await expect(planCsvScan('s3://csvs/none/', { storage })).rejects.toThrow(/CSV input s3:\/\/csvs\/none\/ does not exist/);
    const error = await planCsvScan('s3://csvs/bad.csv', { storage: { ...storage, credentials: S3RVER_CREDENTIALS } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/readCsv: storage\.credentials cannot be used here/);
  });
});
