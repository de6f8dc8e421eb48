// process.env saved and put back in place: test files share their worker's process (vitest.config.ts),
// so one that sets variables (S3 credentials, endpoints) restores them for the files after it.

/** Saves process.env now; the returned function restores it (values back, variables added since deleted). */
export function saveEnv(): () => void {
  const saved = { ...process.env };
  return () => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  };
}
