// rmse / mae / regressionMetrics: hand-computed values, NaN handling, and bit-identical results
// for any partitioning.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Float32, Float64, Int32, Schema, Field } from 'apache-arrow';
import { Session } from '../../../../engine/index.ts';
import { mae, regressionMetrics, rmse } from '../../../../jobs/evaluation/index.ts';

describe('regression metrics', () => {
  let session: Session;
  beforeAll(async () => { session = await Session.create({ master: 'local' }); });
  afterAll(async () => { await session.stop(); });

  it('match hand-computed values', async () => {
    // errors: -0.5, +1, 0, -2 → squares 0.25 + 1 + 0 + 4 = 5.25 → RMSE sqrt(5.25/4) = 1.1456439...
    //                         → absolute 0.5 + 1 + 0 + 2 = 3.5 → MAE 0.875
    const rows = [
      { rating: 4, prediction: 3.5 },
      { rating: 2, prediction: 3 },
      { rating: 5, prediction: 5 },
      { rating: 3, prediction: 1 },
    ];
    const ds = session.fromRows(rows, { numPartitions: 3 });
    expect(await rmse(ds)).toBeCloseTo(Math.sqrt(5.25 / 4), 15);
    expect(await mae(ds)).toBe(0.875);
    expect(await regressionMetrics(ds)).toEqual({ rmse: Math.sqrt(5.25 / 4), mae: 0.875, count: 4, skipped: 0 });
  });

  it('reads other column names and numeric types (Int32 labels, Float32 predictions)', async () => {
    const schema = new Schema([new Field('stars', new Int32(), true), new Field('guess', new Float32(), true)]);
    const ds = session.fromRows([{ stars: 4, guess: 3.5 }, { stars: 2, guess: 3 }], { schema });
    // squares 0.25 + 1 → sqrt(0.625) = 0.7905694...
    expect(await rmse(ds, { labelColumn: 'stars', predictionColumn: 'guess' })).toBeCloseTo(0.7905694150420949, 15);
  });

  it('refuses NaN and null predictions with the count and a fix, unless skipNaN', async () => {
    const schema = new Schema([new Field('rating', new Float64(), true), new Field('prediction', new Float64(), true)]);
    const ds = session.fromRows([
      { rating: 4, prediction: 3 },
      { rating: 2, prediction: Number.NaN },
      { rating: 1, prediction: null },
      { rating: 5, prediction: 4 },
    ], { schema, numPartitions: 2 });
    await expect(rmse(ds)).rejects.toThrow(/2 row\(s\) have a NaN or null 'prediction' \(of 4\).*coldStartStrategy 'drop'.*skipNaN/);
    // the two good rows: errors -1, -1 → RMSE 1, MAE 1
    expect(await regressionMetrics(ds, { skipNaN: true })).toEqual({ rmse: 1, mae: 1, count: 2, skipped: 2 });
  });

  it('reports empty inputs and missing columns clearly', async () => {
    await expect(rmse(session.fromRows([{ rating: 1, prediction: 1 }]).filter(() => false))).rejects.toThrow(/empty; there is nothing to evaluate/);
    await expect(rmse(session.fromRows([{ rating: 1, pred: 1 }]))).rejects.toThrow(/predictionColumn 'prediction' is not a column.*rating: Float64, pred: Float64/);
    const allNaN = session.fromRows([{ rating: 1, prediction: Number.NaN }]);
    await expect(rmse(allNaN, { skipNaN: true })).rejects.toThrow(/all 1 rows were skipped/);
  });

  it('is bit-identical for any partition count and row order', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({ rating: 1 + (i % 5), prediction: 3 + Math.sin(i) * 1.7 }));
    const results = [];
    for (const [data, numPartitions] of [[rows, 1], [rows, 7], [[...rows].reverse(), 3]] as const) {
      results.push(await regressionMetrics(session.fromRows([...data], { numPartitions })));
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });
});
