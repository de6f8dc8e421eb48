// parquet-wasm, loaded on first use: importing it compiles its WebAssembly (0.1-0.3 s), which every
// dataflow process (driver, executors, their task threads) would otherwise pay at start-up, whether
// or not its job touches Parquet. The package is CommonJS under Node, so require() returns the
// same instance an `import` elsewhere would.

import { createRequire } from 'node:module';
import type * as ParquetWasm from 'parquet-wasm';

let loaded: typeof ParquetWasm | undefined;

export function parquetWasm(): typeof ParquetWasm {
  loaded ??= createRequire(import.meta.url)('parquet-wasm') as typeof ParquetWasm;
  return loaded;
}
