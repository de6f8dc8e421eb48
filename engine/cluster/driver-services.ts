// What executors ask the driver for while running tasks: in-memory source partitions, broadcast
// values and the job bundle. The session implements it; the TCP endpoint and the in-process
// executor both serve it.

import type { Table } from 'apache-arrow';
import type { JobBundle } from '../closure/bundle.ts';
import type { LoadedBundle } from '../closure/load-bundle.ts';

export interface DriverServices {
  blobPartition(blobId: number, partition: number): Table;
  broadcastValue(broadcastId: number): unknown;
  bundle(hash: string): JobBundle;
  /** The bundle as loaded in the driver process (the in-process executor reuses it). */
  loadedBundle(hash: string): LoadedBundle;
}
