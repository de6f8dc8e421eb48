// The driver's side of one executor process connected over TCP: sends it tasks, answers its
// requests for bundles, source partitions and broadcasts, and reports its results to the driver.

import type { Connection, Message } from '../transport/index.ts';
import { type ExecutorStats, MessageType, type RegisterFields, type TaskDescriptor, type TaskFailureReason, type TaskResult, decodeBody, encodeBody } from '../protocol/index.ts';
import type { ExecutorHandle } from './executor-handle.ts';
import type { Driver } from './driver.ts';
import type { DriverServices } from './driver-services.ts';
import { encodeIpc } from '../kernels/ipc.ts';

/** Why an executor's connection closed (`cause`; `outOfMemory` if it died of memory), and what was done about it (`note`, e.g. its replacement). */
export interface LossExplained { cause: string; note?: string; outOfMemory?: boolean }
export type ExplainLoss = (executor: RemoteExecutor, reason: string) => Promise<LossExplained>;

export class RemoteExecutor implements ExecutorHandle {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly slots: number;
  readonly pid: number;
  readonly heapLimitBytes: number | undefined;
  readonly memoryBytes: number | undefined;

  /**
   * `explainLoss`, where the process is known (local[N]), finds out why the connection closed (the
   * process died of memory, of a signal...) before the driver is told of the loss.
   */
  constructor(
    private readonly conn: Connection, fields: RegisterFields, private readonly driver: Driver, private readonly services: DriverServices,
    explainLoss?: ExplainLoss,
  ) {
    this.id = fields.executorId;
    this.host = fields.host;
    this.port = fields.port;
    this.slots = fields.slots;
    this.pid = fields.pid;
    this.heapLimitBytes = fields.heapLimitBytes;
    this.memoryBytes = typeof fields.memoryBytes === 'number' ? fields.memoryBytes : undefined;
    conn.onMessage((msg) => this.onMessage(msg));
    conn.onClose((info) => {
      const reason = `connection closed: ${info.reason}`;
      if (!explainLoss) { driver.executorLost(this.id, reason, { handle: this }); return; }
      void explainLoss(this, reason).catch((): LossExplained => ({ cause: reason }))
        .then(({ cause, ...details }) => driver.executorLost(this.id, cause, { ...details, handle: this }));
    });
  }

  launch(task: TaskDescriptor): void {
    this.conn.send({ header: { type: MessageType.launchTask, taskId: task.taskId }, body: encodeBody(task) }).catch((error: unknown) => {
      this.driver.taskFailed(this.id, task.taskId, { kind: 'ExecutorLost', executorId: this.id, message: `could not send task: ${String(error)}` });
    });
  }

  kill(taskId: number): void {
    this.notify({ type: MessageType.killTask, taskId });
  }

  dropCache(cacheId: number): void {
    this.notify({ type: MessageType.dropCache, cacheId });
  }

  dropShuffle(shuffleId: number): void {
    this.notify({ type: MessageType.dropShuffle, shuffleId });
  }

  dropBroadcast(broadcastId: number): void {
    this.notify({ type: MessageType.dropBroadcast, broadcastId });
  }

  async stats(): Promise<ExecutorStats> {
    return decodeBody<ExecutorStats>((await this.conn.request({ header: { type: MessageType.executorStats } })).body);
  }

  private notify(header: { type: string } & Record<string, string | number>): void {
    if (!this.conn.isClosed) this.conn.send({ header }).catch(() => undefined); // a lost executor holds nothing
  }

  async shutdown(): Promise<void> {
    if (this.conn.isClosed) return;
    await this.conn.send({ header: { type: MessageType.shutdown } }).catch(() => undefined);
  }

  private async onMessage(msg: Message): Promise<void> {
    const h = msg.header;
    switch (h.type) {
      case MessageType.taskFinished:
        this.driver.taskFinished(this.id, Number(h.taskId), decodeBody<TaskResult>(msg.body));
        return;
      case MessageType.taskFailed:
        this.driver.taskFailed(this.id, Number(h.taskId), decodeBody<TaskFailureReason>(msg.body));
        return;
      case MessageType.fetchBundle:
        await this.answer(msg, () => encodeBody(this.services.bundle(String(h.hash))));
        return;
      case MessageType.fetchBlob:
        await this.answer(msg, () => encodeIpc(this.services.blobPartition(Number(h.blobId), Number(h.partition))));
        return;
      case MessageType.fetchBroadcast:
        await this.answer(msg, () => encodeBody(this.services.broadcastValue(Number(h.broadcastId))));
        return;
    }
  }

  private async answer(msg: Message, body: () => Uint8Array): Promise<void> {
    try {
      await this.conn.reply(msg, { header: { type: 'ok' }, body: body() });
    } catch (error) {
      await this.conn.replyError(msg, error).catch(() => undefined);
    }
  }
}
