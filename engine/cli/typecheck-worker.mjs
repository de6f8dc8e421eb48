// Worker thread of typecheck.ts: runs the TypeScript compiler on one job file and posts back its
// errors as `file:line:column: message` strings (plain JS, so the worker needs no TS loader).
import { parentPort, workerData } from 'node:worker_threads';
import { dirname } from 'node:path';

const ts = (await import('typescript')).default;
const { jobPath } = workerData;
const program = ts.createProgram([jobPath], {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  allowImportingTsExtensions: true,
  esModuleInterop: true,
  types: ['node'],
  baseUrl: dirname(jobPath),
});
const errors = ts.getPreEmitDiagnostics(program)
  .filter((d) => d.category === ts.DiagnosticCategory.Error && d.file?.fileName === jobPath.replaceAll('\\', '/'))
  .map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (!d.file || d.start === undefined) return text;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${d.file.fileName}:${line + 1}:${character + 1}: ${text}`;
  });
parentPort.postMessage(errors);
