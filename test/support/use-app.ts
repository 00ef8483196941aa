import type { TestApp } from './test-app.js';

/**
 * One app per describe: built by `create` in its beforeAll, closed in its afterAll. Keep one app alive at a time in
 * a process: @nestjs/passport registers every JwtStrategy in passport's process-wide registry under the same name,
 * so every app's guard would use the strategy (and revocation store) of the app built last. (Only a type import of
 * test-app here: importing it would choose the Redis-or-memory store before the caller did.)
 */
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
