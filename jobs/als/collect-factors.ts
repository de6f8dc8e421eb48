// Bringing the trained factors to the driver: the last half-iteration's output carries every
// block's own factors (kinds userFactors / itemFactors); they are assembled into one
// Float32Array per side, row = dense index, `width` floats per row.

import type { Dataset, Row } from '../../engine/index.ts';
import { columnData } from '../../engine/extend.ts';
import { asFloat32, halfIterationKernels, KIND } from './half-iteration.ts';
import { initialFactors } from './init-factors.ts';
import { blockStart } from './layout.ts';
import type { AlsPlan } from './options.ts';

export async function collectFactors(state: Dataset<Row>, plan: AlsPlan): Promise<{ userFactors: Float32Array; itemFactors: Float32Array }> {
  const table = await state.mapBatches(halfIterationKernels.factorRows).toTable();
  const userFactors = new Float32Array(plan.user.n * plan.width);
  const itemFactors = new Float32Array(plan.item.n * plan.width);
  const seen = { user: new Uint8Array(plan.user.numBlocks), item: new Uint8Array(plan.item.numBlocks) };
  if (table.numRows > 0) {
    const kind = table.getChild('kind')!.toArray() as Int32Array;
    const block = table.getChild('block')!.toArray() as Int32Array;
    const data = columnData(table, 'factors');
    const offsets = data.valueOffsets as Int32Array;
    const values = data.values as Uint8Array;
    for (let i = 0; i < table.numRows; i++) {
      const side = kind[i] === KIND.userFactors ? 'user' : 'item';
      const f = asFloat32(values.subarray(offsets[i], offsets[i + 1]));
      (side === 'user' ? userFactors : itemFactors).set(f, blockStart(plan[side], block[i]) * plan.width);
      seen[side][block[i]] = 1;
    }
  }
  // with maxIter = 0 the users were never solved: their factors are the seeded initial ones
  for (const side of ['user', 'item'] as const) {
    const layout = plan[side];
    for (let b = 0; b < layout.numBlocks; b++) {
      if (seen[side][b]) continue;
      const start = blockStart(layout, b);
      const end = Math.min(layout.n, start + layout.blockSize);
      initialFactors(plan, side, start, end - start, (side === 'user' ? userFactors : itemFactors).subarray(start * plan.width, end * plan.width));
    }
  }
  return { userFactors, itemFactors };
}
