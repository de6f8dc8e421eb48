// Test helper, run as a child process: starts s3rver (an S3-compatible server) on 127.0.0.1 on a
// free port. Runs under `node --openssl-legacy-provider` because s3rver encrypts ListObjectsV2
// continuation tokens with DES, which OpenSSL 3 only offers in its legacy provider.
// argv: <directory> <bucket>...  stdout: one JSON line {"port": N}, then one line per S3 event
// ({"event": "ObjectCreated:Post", "key": "..."}); exits when stdin closes.

import S3rver from 's3rver';

const [directory, ...buckets] = process.argv.slice(2);
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
server.on('event', (e) => {
  const record = e.Records?.[0];
  process.stdout.write(JSON.stringify({ event: record?.eventName, key: record?.s3?.object?.key }) + '\n');
});
const { port } = await server.run();
process.stdout.write(JSON.stringify({ port }) + '\n');
process.stdin.resume();
process.stdin.on('end', () => {
  server.close().then(() => process.exit(0), () => process.exit(1));
});
