import { PASSWORD } from '../auth-client.js';
import { useApp } from '../use-app.js';
import { expectJsonError, type SessionJourneyOptions } from './shared.js';

/** The session routes refuse a call without a bearer token, with a JSON 401 and a challenge saying what to send. */
export function describeBearerRequired({ createApp }: SessionJourneyOptions): void {
  describe('routes that need a bearer token', () => {
    const api = useApp(createApp);

    it.each([
      ['POST', '/logout-all'],
      ['POST', '/me/password'],
      ['GET', '/sessions'],
      ['DELETE', '/sessions/6f1c0a3e-8a55-4d6e-9b2f-1c7e5d9a0b44'],
    ])('%s %s refuses a request without a token with a JSON 401 and a Bearer challenge', async (method, path) => {
      const { http } = api();
      const call =
        method === 'GET'
          ? http.get(path)
          : method === 'DELETE'
            ? http.delete(path)
            : http.post(path).send({ current_password: PASSWORD, new_password: 'whatever you like' });
      const response = await call;

      expectJsonError(response, 401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
    });
  });
}
