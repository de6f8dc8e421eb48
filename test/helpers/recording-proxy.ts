// A TCP proxy that forwards both directions between its clients and one target and keeps every
// byte it forwarded, so a test can check what an eavesdropper on the wire would have seen.

import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordingProxy {
  readonly port: number;
  /** Every byte forwarded so far, both directions, in arrival order. */
  recorded(): Buffer;
  close(): Promise<void>;
}

/** Listens on `listenHost` (default 127.0.0.1, a free port) and forwards each connection to `target`. */
export async function recordingProxy(target: { host: string; port: number }, listenHost = '127.0.0.1'): Promise<RecordingProxy> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.once('close', () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    track(client);
    const upstream = net.connect(target);
    track(upstream);
    client.on('data', (chunk: Buffer) => { chunks.push(chunk); upstream.write(chunk); });
    upstream.on('data', (chunk: Buffer) => { chunks.push(chunk); client.write(chunk); });
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, listenHost, () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    recorded: () => Buffer.concat(chunks),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
