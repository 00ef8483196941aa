import type { TestApp } from './test-app.js';

/** An app's settings: an undefined value removes a variable (createTestApp). */
export type AppSettings = Record<string, string | undefined>;

/**
 * One app per describe: built by `create` in its beforeAll, closed in its afterAll. `env` is the app's settings, or
 * a function that gives them inside the beforeAll, for settings that depend on a server an earlier beforeAll of the
 * describe started (jest runs a describe's beforeAll hooks in the order they are declared).
 */
export function useApp<Settings extends AppSettings = AppSettings>(
  create: (env?: Settings) => Promise<TestApp>,
  env?: Settings | (() => Settings),
): () => TestApp {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await create(typeof env === 'function' ? env() : env);
  });
  afterAll(async () => {
    await app?.close();
    app = undefined;
  });
  return () => {
    if (!app) throw new Error('The app is only available inside the tests of the describe that called useApp');
    return app;
  };
}
