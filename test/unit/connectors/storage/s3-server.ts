// Test helper: an S3-compatible server (s3rver) on 127.0.0.1, on a free port, storing its objects
// in a temp dir, with the buckets asked for. It runs in a child process (s3rver-process.mjs) so
// that it can use OpenSSL's legacy provider, which its pagination tokens need. Its credentials are
// S3RVER / S3RVER; it refuses unknown access keys (but does not verify V4 signatures).

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3TestServer {
  endpoint: string;
  /** S3 events seen so far, e.g. { event: 'ObjectCreated:Post', key: 'a/b.bin' } (Post = multipart upload completed). */
  events: { event: string; key: string }[];
  close(): Promise<void>;
}

const script = fileURLToPath(new URL('./s3rver-process.mjs', import.meta.url));

/** Starts s3rver with `buckets`; close() stops it and deletes its files. */
export async function startS3Server(buckets: string[]): Promise<S3TestServer> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'dataflow-s3rver-'));
  const child: ChildProcess = spawn(process.execPath, ['--openssl-legacy-provider', script, directory, ...buckets], {
    stdio: ['pipe', 'pipe', 'inherit'],
    cwd: path.dirname(script),
  });
  const events: S3TestServer['events'] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`s3rver exited with code ${code} before listening`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as { port?: number; event?: string; key?: string };
      if (message.port !== undefined) resolve(message.port);
      else events.push({ event: message.event ?? '', key: message.key ?? '' });
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    events,
    async close() {
      child.stdin!.end();
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
