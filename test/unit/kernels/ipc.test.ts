// encodeIpc / decodeIpc: tables whose columns share or overlap one buffer (whole, sliced, multi-batch,
// nested, with nulls) survive the round trip; apache-arrow's own tableToIPC corrupts the same tables
// (the reproduction of issue 8, with apache-arrow alone); a corrupt stream is an InternalError; the
// decoder's optimized code survives forced collections (keepDecoderShapes).

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Table, Utf8, makeData, makeVector, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { decodeIpc, encodeIpc } from '../../../engine/kernels/ipc.ts';
import { InternalError } from '../../../engine/errors.ts';

const n = 1000;

/** key and a are the SAME Int32Array (as jobs/als/model.ts builds its target rows). */
function sharedColumns(): Table {
  const ids = Int32Array.from({ length: n }, (_, i) => i * 3);
  return new Table({ key: makeVector(ids), a: makeVector(ids), b: makeVector(new Int32Array(n).fill(-1)) });
}

/** x and y are overlapping views of one buffer (y starts in the middle of x). */
function overlappingColumns(): Table {
  const all = Float64Array.from({ length: 2 * n }, (_, i) => i + 0.5);
  return new Table({ x: makeVector(all.subarray(0, n)), y: makeVector(all.subarray(n / 2, n / 2 + n)) });
}

function plain(t: Table): Array<Record<string, unknown>> {
  return t.toArray().map((r) => ({ ...r.toJSON() }));
}

describe('apache-arrow tableToIPC (the upstream bug encodeIpc works around)', () => {
  it('writes a corrupt stream when two columns share one typed array, sliced or not', () => {
    const t = sharedColumns();
    expect(() => tableFromIPC(tableToIPC(t, 'stream'))).toThrow(/Expected to read \d+ bytes for message body, but only read \d+/);
    expect(() => tableFromIPC(tableToIPC(t.slice(250, 750), 'stream'))).toThrow(/Expected to read/);
    const o = overlappingColumns();
    expect(() => tableFromIPC(tableToIPC(o, 'stream'))).toThrow(/Expected to read/);
  });
});

describe('encodeIpc', () => {
  const cases: Array<[string, () => Table]> = [
    ['two columns on one typed array', sharedColumns],
    ['... sliced from the middle', () => sharedColumns().slice(250, 750)],
    ['... sliced to an odd length', () => sharedColumns().slice(3, 8)],
    ['overlapping views of one buffer', overlappingColumns],
    ['... sliced', () => overlappingColumns().slice(100, 900)],
    ['several batches sharing one buffer', () => {
      const t = sharedColumns();
      return t.slice(0, 400).concat(t.slice(400, 1000), t.slice(0, 10));
    }],
    ['a column with nulls beside a shared one', () => {
      const ids = Int32Array.from({ length: 64 }, (_, i) => i);
      const nulls = new Uint8Array(8).fill(0b01010101);
      const withNulls = makeVector(makeData({ type: makeVector(ids).type, length: 64, nullCount: 32, nullBitmap: nulls, data: ids }));
      return new Table({ a: makeVector(ids), b: withNulls, c: makeVector(ids) }).slice(8, 40);
    }],
    ['strings and a shared numeric column', () => {
      const ids = Int32Array.from({ length: 20 }, (_, i) => i);
      return new Table({ s: vectorFromArray(Array.from(ids, (i) => `id-${i}`), new Utf8()), a: makeVector(ids), b: makeVector(ids) }).slice(5, 17);
    }],
  ];

  for (const [name, build] of cases) {
    it(`round-trips ${name}`, () => {
      const table = build();
      const back = decodeIpc(encodeIpc(table), name);
      expect(back.numRows).toBe(table.numRows);
      expect(back.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(table.schema.fields.map((f) => `${f.name}: ${String(f.type)}`));
      expect(plain(back)).toEqual(plain(table));
    });
  }

  it('writes the same bytes as tableToIPC where tableToIPC is correct', () => {
    const t = new Table({ x: makeVector(Int32Array.from({ length: 100 }, (_, i) => i)), s: vectorFromArray(['a', 'bc', null, 'd'].concat(Array(96).fill('e')), new Utf8()) });
    expect(Buffer.from(encodeIpc(t)).equals(Buffer.from(tableToIPC(t, 'stream')))).toBe(true);
    expect(Buffer.from(encodeIpc(t.slice(10, 20))).equals(Buffer.from(tableToIPC(t.slice(10, 20), 'stream')))).toBe(true);
  });

  it('encodes an empty table with its schema', () => {
    const t = new Table({ a: makeVector(new Int32Array(0)) });
    const back = decodeIpc(encodeIpc(t), 'empty');
    expect(back.numRows).toBe(0);
    expect(back.schema.fields.map((f) => f.name)).toEqual(['a']);
  });
});

describe('decodeIpc', () => {
  it('reports a truncated stream as an InternalError naming what was decoded', () => {
    const bytes = encodeIpc(sharedColumns());
    let caught: unknown;
    try {
      decodeIpc(bytes.subarray(0, bytes.byteLength - 100), 'shuffle 3 block map 1 → reduce 2');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InternalError);
    const e = caught as InternalError;
    expect(e.code).toBe('IPC_DECODE');
    expect(e.message).toMatch(/^shuffle 3 block map 1 → reduce 2 \(\d+ bytes of Arrow IPC written by dataflow\) could not be decoded: /);
    expect(e.message).toMatch(/fault of dataflow.*report it/);
  });
});

describe('keepDecoderShapes', () => {
  it("keeps the decoder's optimized code across forced full collections (no 'weak objects' deoptimization)", () => {
    const fixture = fileURLToPath(new URL('../../fixtures/forced-gc-decodes.ts', import.meta.url));
    const child = spawnSync(process.execPath, ['--trace-opt', '--trace-deopt', '--import', 'tsx', fixture, '100'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout).toContain('decoded 4000 rows');
    // flatbuffers' ByteBuffer readers, Arrow's message header, record batch metadata and vector loader
    const decoder = 'readInt32|readUint16|readInt16|readUint32|__offset|__vector|header|decodeBufferRegion|nextFieldNode|nextBufferRange|visitMany|readData';
    // The decoder was optimized (else nothing below could be thrown away)...
    expect(child.stdout).toMatch(new RegExp(`completed optimizing 0x[0-9a-f]+ <JSFunction (${decoder}) `));
    // ...and no forced collection threw that code away. Without keepDecoderShapes: ~180 such lines.
    const thrownAway = child.stdout.split('\n').filter((line) => new RegExp(`SharedFunctionInfo (${decoder})>.*reason: weak objects`).test(line));
    expect(thrownAway).toEqual([]);
  });
});
