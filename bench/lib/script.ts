// The ending every benchmark file shares: run its main() when the file is the script Node started
// (not when bench/run.ts or a test imports it), exit with its code, and print a failure in one line.

import { fileURLToPath } from 'node:url';

/**
 * Runs `main(argv)` if the module at `moduleUrl` is the script being run; exits with what it
 * returns, or prints the error's message and exits with `failureCode`.
 *
 * @example runIfScript(import.meta.url, main);
 */
export function runIfScript(moduleUrl: string, main: (argv: string[]) => Promise<number>, failureCode = 1): void {
  if (!process.argv[1] || fileURLToPath(moduleUrl) !== process.argv[1]) return;
  main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(failureCode);
  });
}
