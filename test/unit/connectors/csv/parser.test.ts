import { describe, expect, it } from 'vitest';
import type { CsvColumnType } from '../../../../connectors/csv/column-types.ts';
import { byteSyntax, type CsvSyntax } from '../../../../connectors/csv/options.ts';
import { CsvRecordParser } from '../../../../connectors/csv/parser.ts';

const comma: CsvSyntax = { delimiter: ',', quote: '"', encoding: 'utf8' };

/** Parses complete `text` (which must end with a line feed) and returns the columns as JS arrays. */
function parseAll(text: string | Buffer, types: Array<CsvColumnType | 'skip'>, syntax: CsvSyntax = comma): unknown[][] {
  const parser = new CsvRecordParser(types, byteSyntax(syntax), 2); // tiny capacity: exercises growth
  const buf = typeof text === 'string' ? Buffer.from(text) : text;
  const out = parser.parse(buf, 0, Infinity, true, Infinity);
  expect(out).toEqual({ status: 'done', next: buf.length });
  const { rows, columns } = parser.takeColumns();
  return columns.filter((c) => c.type !== 'skip').map((c) => {
    const data = c.finish(rows);
    return Array.from({ length: rows }, (_, i) => (data.getValid(i) ? valueAt(c.type, data, i) : null));
  });
}

function valueAt(type: string, data: ReturnType<CsvRecordParser['columns'][number]['finish']>, i: number): unknown {
  if (type === 'utf8') {
    const o = data.valueOffsets as Int32Array;
    return Buffer.from((data.values as Uint8Array).subarray(o[i]!, o[i + 1]!)).toString('utf8');
  }
  if (type === 'bool') return ((data.values as Uint8Array)[i >> 3]! >> (i & 7)) & 1 ? true : false;
  return (data.values as ArrayLike<unknown>)[i];
}

describe('CsvRecordParser', () => {
  it('parses typed columns straight from bytes', () => {
    const [ids, ratings, ts, names] = parseAll('1,4.0,964982703,ann\n-31,0.5,2,bob\n+7,3,-9007199254740991,\n', ['int32', 'float32', 'int64', 'utf8']);
    expect(ids).toEqual([1, -31, 7]);
    expect(ratings).toEqual([4, 0.5, 3]);
    expect(ts).toEqual([964982703n, 2n, -9007199254740991n]);
    expect(names).toEqual(['ann', 'bob', null]);
  });

  it('parses floats exactly like Number(), on the fast and the slow path', () => {
    const texts = ['0.1', '123456.789012345', '-0.000001', '1e-7', '2.5E3', '12345678901234567890.5', ' 7.25 ', '.5', '5.', 'inf', '-Infinity'];
    const [values] = parseAll(texts.map((t) => `${t}\n`).join(''), ['float64']);
    expect(values).toEqual(texts.map((t) => (t.trim().toLowerCase() === 'inf' ? Infinity : Number(t))));
  });

  it('reads int64 beyond 2^53 exactly', () => {
    const [values] = parseAll('9223372036854775807\n-9223372036854775808\n', ['int64']);
    expect(values).toEqual([9223372036854775807n, -9223372036854775808n]);
  });

  it('treats empty fields as nulls for every type, and "" as an empty string', () => {
    const [a, b, c, d] = parseAll(',,,\n1,true,"",x\n', ['int32', 'bool', 'utf8', 'utf8']);
    expect(a).toEqual([null, 1]);
    expect(b).toEqual([null, true]);
    expect(c).toEqual([null, '']);
    expect(d).toEqual([null, 'x']);
  });

  it('reads quoted fields with delimiters, newlines and escaped quotes, and quoted numbers', () => {
    const [a, b] = parseAll('"a,b","1"\r\n"say ""hi""\nthere",2\n', ['utf8', 'int32']);
    expect(a).toEqual(['a,b', 'say "hi"\nthere']);
    expect(b).toEqual([1, 2]);
  });

  it('splits on tab and on a multi-character delimiter, with quoting off', () => {
    expect(parseAll('1\t"x\t2\n', ['int32', 'utf8', 'int32'], { delimiter: '\t', quote: null, encoding: 'utf8' })).toEqual([[1], ['"x'], [2]]);
    expect(parseAll('1::a:b::3.5\n', ['int32', 'utf8', 'float32'], { delimiter: '::', quote: null, encoding: 'utf8' })).toEqual([[1], ['a:b'], [3.5]]);
  });

  it('transcodes latin1 text to UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('1|Caf'), Buffer.from([0xe9]), Buffer.from('|"Z'), Buffer.from([0xfc]), Buffer.from('rich"\n')]);
    expect(parseAll(bytes, ['int32', 'utf8', 'utf8'], { delimiter: '|', quote: '"', encoding: 'latin1' })).toEqual([[1], ['Café'], ['Zürich']]);
  });

  it('parses skipped columns without keeping them, and bools in their spellings', () => {
    expect(parseAll('x,true\n"y,z",F\nw,1\n', ['skip', 'bool'])).toEqual([[true, false, true]]);
  });

  it.each([
    ['1,2\n3\n', 'too-few-fields', 4, -1],
    ['1,2\n3,4,5\n', 'too-many-fields', 4, -1],
    ['1,2\n3,4x\n', 'value', 6, 1],
    ['1,2\n3,99999999999\n', 'value', 6, 1],
    ['1,2\n3,"4"x\n', 'after-quote', 6, 1],
    ['1,2\n3,"4\n', 'unterminated-quote', 6, 1],
  ])('reports a bad record %j as %s and keeps none of it', (text, problem, fieldStart, field) => {
    const parser = new CsvRecordParser(['int32', 'int32'], byteSyntax(comma));
    const out = parser.parse(Buffer.from(text), 0, Infinity, true, Infinity);
    expect(out).toEqual({ status: 'bad', next: 4 });
    expect(parser.bad).toMatchObject({ problem, recordStart: 4, fieldStart });
    if (field >= 0) expect(parser.bad!.field).toBe(field);
    expect(parser.rows).toBe(1);
  });

  it('names the bad value', () => {
    const parser = new CsvRecordParser(['int32', 'float64'], byteSyntax(comma));
    parser.parse(Buffer.from('1,abc\n'), 0, Infinity, true, Infinity);
    expect(parser.bad!.text).toBe('abc');
  });

  it('asks for more input when a quoted field runs past the bytes, keeping earlier rows', () => {
    const parser = new CsvRecordParser(['int32', 'utf8'], byteSyntax(comma));
    const text = Buffer.from('1,a\n2,"multi\n');
    expect(parser.parse(text, 0, Infinity, false, Infinity)).toEqual({ status: 'more', next: 4 });
    expect(parser.rows).toBe(1);
    const more = Buffer.from('2,"multi\nline"\n');
    expect(parser.parse(more, 0, Infinity, true, Infinity)).toEqual({ status: 'done', next: more.length });
    const { rows, columns } = parser.takeColumns();
    expect(rows).toBe(2);
    expect(columns[1]!.finish(rows).valueOffsets).toEqual(new Int32Array([0, 1, 11]));
  });

  it('stops at records starting at or after limit, and after maxRows rows', () => {
    const parser = new CsvRecordParser(['int32'], byteSyntax(comma));
    const buf = Buffer.from('1\n2\n\n3\n4\n');
    expect(parser.parse(buf, 0, 4, true, Infinity)).toEqual({ status: 'limit', next: 5 });
    expect(parser.rows).toBe(2);
    expect(parser.parse(buf, 5, Infinity, true, 3)).toEqual({ status: 'full', next: 7 });
  });
});
