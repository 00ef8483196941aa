import type { TestApp } from './test-app.js';

/** One app per describe: built by `create` (with `env` as its settings) in its beforeAll, closed in its afterAll. */
export function useApp(
  create: (env?: Record<string, string>) => Promise<TestApp>,
  env: Record<string, string> = {},
): () => TestApp {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await create(env);
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
