// Which map outputs this executor holds on its disk, and under which attempt's file names.
// The block server and local reads look blocks up here by (shuffleId, mapPartition).

export interface LocalMapOutput { dir: string; attempt: number; blockSizes: number[] }

export class ShuffleOutputs {
  private readonly outputs = new Map<string, LocalMapOutput>();

  register(shuffleId: number, mapPartition: number, output: LocalMapOutput): void {
    this.outputs.set(`${shuffleId}:${mapPartition}`, output);
  }

  get(shuffleId: number, mapPartition: number): LocalMapOutput | undefined {
    return this.outputs.get(`${shuffleId}:${mapPartition}`);
  }
}
