// Shuffle file naming.

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { blockName, dataFilePath, indexFilePath, mapOutputStem, parseMapOutputFileName } from '../../../engine/shuffle/block-id.ts';

describe('block ids', () => {
  it('names map output files and blocks', () => {
    expect(mapOutputStem(3, 5, 0)).toBe('shuffle_3_5_0');
    expect(dataFilePath('/d', 3, 5, 1)).toBe(join('/d', 'shuffle_3_5_1.data'));
    expect(indexFilePath('/d', 3, 5, 1)).toBe(join('/d', 'shuffle_3_5_1.index'));
    expect(blockName({ shuffleId: 3, mapPartition: 5, reducePartition: 2 })).toBe('shuffle_3_5_2');
  });

  it('parses file names back and ignores temp files', () => {
    expect(parseMapOutputFileName('shuffle_3_5_1.index')).toEqual({ shuffleId: 3, mapPartition: 5, attempt: 1, kind: 'index' });
    expect(parseMapOutputFileName('shuffle_3_5_1.data.tmp-12-abc')).toBeUndefined();
  });
});
