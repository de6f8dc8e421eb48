import { describe, expect, it } from 'vitest';
import { discoverPartitions, escapePathName, partitionFolder, unescapePathName } from '../../../../connectors/parquet/hive.ts';
import { ParquetPartitionError } from '../../../../connectors/parquet/errors.ts';

describe('discoverPartitions', () => {
  it('turns name=value folders into typed columns: int32 when every value is a canonical int32', () => {
    const files = ['/d/year=2023/city=Paris/a.parquet', '/d/year=2024/city=__HIVE_DEFAULT_PARTITION__/b.parquet', '/d/year=-1/city=S%C3%A3o/c.parquet'];
    expect(discoverPartitions('/d', files)).toEqual({
      columns: [{ name: 'year', type: 'int32' }, { name: 'city', type: 'utf8' }],
      values: [[2023, 'Paris'], [2024, null], [-1, 'São']],
    });
  });

  it('keeps values as strings when one of them is not a canonical int32', () => {
    for (const odd of ['007', '2147483648', '+5', '1.5', '-0']) {
      const { columns, values } = discoverPartitions('/d', ['/d/k=1/a.parquet', `/d/k=${odd}/b.parquet`]);
      expect(columns).toEqual([{ name: 'k', type: 'utf8' }]);
      expect(values).toEqual([['1'], [odd]]);
    }
  });

  it('ignores plain folders and has no columns for a single file', () => {
    expect(discoverPartitions('/d', ['/d/nested/x=1/a.parquet']).columns).toEqual([{ name: 'x', type: 'int32' }]);
    expect(discoverPartitions(undefined, ['/d/x=1/a.parquet'])).toEqual({ columns: [], values: [[]] });
  });

  it('names the first file whose folders differ', () => {
    expect(() => discoverPartitions('/d', ['/d/year=1/a.parquet', '/d/month=2/b.parquet'])).toThrow(ParquetPartitionError);
    expect(() => discoverPartitions('/d', ['/d/year=1/a.parquet', '/d/b.parquet'])).toThrow(
      '/d/b.parquet is under no partition folders but /d/year=1/a.parquet is under year= (relative to /d)',
    );
  });
});

describe('partition folder names', () => {
  it('escapes separators and special characters, and null as the Hive default partition', () => {
    expect(partitionFolder(['year', 'city'], [2024, 'a/b=c%'])).toBe('year=2024/city=a%2Fb%3Dc%25');
    expect(partitionFolder(['k'], [null])).toBe('k=__HIVE_DEFAULT_PARTITION__');
    expect(partitionFolder(['k'], [10n])).toBe('k=10');
    expect(unescapePathName(escapePathName('x:y*?/\\"'))).toBe('x:y*?/\\"');
  });
});
