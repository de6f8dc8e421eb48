import { describe, expect, it } from 'vitest';
import { byteSyntax, resolveCsvOptions, type CsvOptions } from '../../../../connectors/csv/options.ts';
import { InvalidInputError } from '../../../../engine/errors.ts';

describe('resolveCsvOptions', () => {
  it('fills in the defaults', () => {
    expect(resolveCsvOptions({})).toMatchObject({ delimiter: ',', quote: '"', header: true, encoding: 'utf8', badRows: 'error', partitionBytes: 64 << 20 });
  });

  it.each<[CsvOptions, RegExp]>([
    [{ delimiter: '' }, /delimiter must be a non-empty string/],
    [{ delimiter: '\n' }, /delimiter must be a non-empty string/],
    [{ quote: '""' }, /quote must be one ASCII character/],
    [{ delimiter: '"' }, /contains the quote character/],
    [{ badRows: 'ignore' as 'skip' }, /badRows must be 'error' or 'skip'/],
    [{ partitionBytes: 0 }, /partitionBytes must be a positive integer/],
    [{ schema: { a: 'int' as 'int32' } }, /column 'a' has type "int"; use one of int32/],
    [{ select: ['a', 'a'] }, /select names column 'a' twice/],
    [{ delimeter: ';' } as CsvOptions, /unknown CSV option 'delimeter'/],
  ])('rejects %j', (options, message) => {
    expect(() => resolveCsvOptions(options)).toThrow(InvalidInputError);
    expect(() => resolveCsvOptions(options)).toThrow(message);
  });

  it('encodes the delimiter in the file encoding and turns quoting off with null', () => {
    const syntax = byteSyntax({ delimiter: '::', quote: null, encoding: 'latin1' });
    expect([...syntax.delimiter]).toEqual([58, 58]);
    expect(syntax.quote).toBe(-1);
  });
});
