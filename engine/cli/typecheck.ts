// Type-checks a TypeScript job before it runs, so a type error is reported with its file and line
// instead of surfacing as a runtime failure on an executor. Skipped when TypeScript is not installed.

import { dirname } from 'node:path';

export async function typeCheckJob(jobPath: string): Promise<string[] | undefined> {
  let ts: typeof import('typescript');
  try {
    ts = (await import('typescript')).default;
  } catch {
    return undefined;
  }
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
    typeRoots: undefined,
    baseUrl: dirname(jobPath),
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error && d.file?.fileName === jobPath.replaceAll('\\', '/'));
  return diagnostics.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (!d.file || d.start === undefined) return text;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${d.file.fileName}:${line + 1}:${character + 1}: ${text}`;
  });
}
