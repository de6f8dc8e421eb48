import { describe, expect, it } from 'vitest';
import { byteSyntax } from '../../../../connectors/csv/options.ts';
import { tokenizeAll, tokenizeRecord } from '../../../../connectors/csv/tokenize.ts';

const comma = byteSyntax({ delimiter: ',', quote: '"', encoding: 'utf8' });
const all = (text: string, syntax = comma) => [...tokenizeAll(Buffer.from(text, 'utf8'), syntax)].map((r) => r.fields);

describe('tokenizeRecord', () => {
  it('splits plain fields and ends at LF or CRLF', () => {
    expect(all('a,b,c\r\n1,,3\n')).toEqual([['a', 'b', 'c'], ['1', '', '3']]);
  });

  it('keeps delimiters, newlines and doubled quotes inside quotes', () => {
    const record = tokenizeRecord(Buffer.from('x,"b,""c""\nd",e\nnext\n'), 0, 21, comma, true);
    expect(record.fields).toEqual(['x', 'b,"c"\nd', 'e']);
    expect(record.quotedNewline).toBe(true);
    expect(record.next).toBe(16);
  });

  it('splits on a multi-character delimiter and leaves single characters of it alone', () => {
    const dat = byteSyntax({ delimiter: '::', quote: null, encoding: 'latin1' });
    expect(all('1::Toy: Story::a|b\n', dat)).toEqual([['1', 'Toy: Story', 'a|b']]);
  });

  it('says a record is incomplete when bytes run out before its end and more input follows', () => {
    const buf = Buffer.from('1,"open\nstill');
    expect(tokenizeRecord(buf, 0, buf.length, comma, false).complete).toBe(false);
    const last = tokenizeRecord(buf, 0, buf.length, comma, true);
    expect(last).toMatchObject({ complete: true, unterminatedQuote: true, fields: ['1', 'open\nstill'] });
  });

  it('takes the last record without a trailing newline and skips blank lines and a byte order mark', () => {
    expect(all('\ufeffa,b\n\n\n1,2')).toEqual([['a', 'b'], ['1', '2']]);
  });

  it('decodes latin1 bytes', () => {
    const latin1 = byteSyntax({ delimiter: '|', quote: null, encoding: 'latin1' });
    expect([...tokenizeAll(Buffer.from([0x31, 0x7c, 0x43, 0xe9, 0x0a]), latin1)][0]!.fields).toEqual(['1', 'Cé']);
  });
});
