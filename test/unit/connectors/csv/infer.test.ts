import { describe, expect, it } from 'vitest';
import { inferColumnType } from '../../../../connectors/csv/infer.ts';

describe('inferColumnType', () => {
  it.each([
    [['1', '', '-7'], 'int32'],
    [['2147483647', '-2147483648'], 'int32'],
    [['3000000000', '1'], 'int64'],
    [['99999999999999999999'], 'float64'],
    [['4.0', '3'], 'float64'],
    [['1e5', '.5'], 'float64'],
    [['true', 'FALSE', ''], 'bool'],
    [['1', '0'], 'int32'],
    [['4.0', 'x'], 'utf8'],
    [['', undefined], 'utf8'],
    [['inf'], 'utf8'],
    [['inf', '1.5', 'NaN'], 'float64'],
  ] as const)('%j → %s', (values, type) => {
    expect(inferColumnType(values)).toBe(type);
  });
});
