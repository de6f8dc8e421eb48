import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { checkFilter, compareCodePoints, mayMatch } from '../../../../connectors/parquet/predicate.ts';
import { ParquetFilterError } from '../../../../connectors/parquet/errors.ts';

const schema = new arrow.Schema([
  new arrow.Field('rating', new arrow.Float32()),
  new arrow.Field('itemId', new arrow.Int32()),
  new arrow.Field('ts', new arrow.Int64()),
  new arrow.Field('title', new arrow.Utf8()),
  new arrow.Field('seen', new arrow.Bool()),
  new arrow.Field('when', new arrow.TimestampMillisecond()),
]);

describe('checkFilter', () => {
  it('accepts comparisons, in, and null tests with literals of the right type', () => {
    const filter = [['rating', '>=', 4], ['itemId', 'in', [1, 2]], ['ts', '<', 10n], ['title', '=', 'x'], ['seen', '=', true], ['when', 'is not null']] as const;
    expect(checkFilter(filter, schema, 'in.parquet')).toBe(filter);
  });

  it('names the column, the operator and the expected literal type', () => {
    const fails = (f: unknown) => {
      try {
        checkFilter(f, schema, 'in.parquet');
      } catch (e) {
        expect(e).toBeInstanceOf(ParquetFilterError);
        return (e as Error).message;
      }
      throw new Error('expected checkFilter to throw');
    };
    expect(fails([['nope', '=', 1]])).toContain("column 'nope' is not in in.parquet; available columns: rating, itemId, ts, title, seen, when");
    expect(fails([['rating', '~', 1]])).toContain("unknown operator '~'");
    expect(fails([['rating', '>=', '4']])).toContain("column 'rating' is Float32; compare it with a number, got string \"4\"");
    expect(fails([['title', '=', null]])).toContain("use 'is null'");
    expect(fails([['itemId', 'in', 3]])).toContain("'in' needs an array");
    expect(fails([['when', '>', 0]])).toContain("column 'when' is Timestamp<MILLISECOND>, which filters only support with 'is null'");
    expect(fails([['seen', '<', true]])).toContain("use '=', '!=' or 'in'");
    expect(fails({})).toContain('must be an array');
  });
});

describe('mayMatch (row-group pruning by statistics)', () => {
  const stats = { min: 10, max: 20, nullCount: 0 };
  it.each([
    [['x', '=', 5], false], [['x', '=', 10], true], [['x', '=', 21], false],
    [['x', '<', 10], false], [['x', '<', 11], true], [['x', '<=', 10], true], [['x', '<=', 9], false],
    [['x', '>', 20], false], [['x', '>', 19], true], [['x', '>=', 20], true], [['x', '>=', 21], false],
    [['x', '!=', 15], true], [['x', 'in', [1, 2, 30]], false], [['x', 'in', [1, 15]], true],
    [['x', 'is null'], false], [['x', 'is not null'], true],
  ] as const)('%j on [10, 20] without nulls -> %s', (p, expected) => {
    expect(mayMatch(p, stats, 100)).toBe(expected);
  });

  it('uses null counts: all-null groups match no comparison; unknown stats never prune', () => {
    expect(mayMatch(['x', '>', 0], { nullCount: 100 }, 100)).toBe(false);
    expect(mayMatch(['x', 'is null'], { nullCount: 100 }, 100)).toBe(true);
    expect(mayMatch(['x', 'is not null'], { nullCount: 100 }, 100)).toBe(false);
    expect(mayMatch(['x', '>', 0], {}, 100)).toBe(true);
    expect(mayMatch(['x', 'is null'], {}, 100)).toBe(true);
    expect(mayMatch(['x', '!=', 7], { min: 7, max: 7, nullCount: 0 }, 100)).toBe(false);
  });

  it('compares bigint bounds with number literals exactly, and strings by code point', () => {
    expect(mayMatch(['x', '>', 2 ** 53], { min: 0n, max: 2n ** 53n, nullCount: 0 }, 1)).toBe(false);
    expect(mayMatch(['x', '>=', 2 ** 53], { min: 0n, max: 2n ** 53n, nullCount: 0 }, 1)).toBe(true);
    expect(mayMatch(['s', '=', 'banana'], { min: 'apple', max: 'cherry', nullCount: 0 }, 1)).toBe(true);
    expect(mayMatch(['s', '<', 'apple'], { min: 'apple', max: 'cherry', nullCount: 0 }, 1)).toBe(false);
    expect(compareCodePoints('\uffff', '😀')).toBeLessThan(0);
    expect(compareCodePoints('ab', 'abc')).toBeLessThan(0);
    expect(compareCodePoints('b', 'abc')).toBeGreaterThan(0);
  });
});
