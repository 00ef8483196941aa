import { PASSWORD, uniqueEmail } from './support/auth-client.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** Two wrong logins per address are allowed; the third from the same address is throttled. */
async function thirdLoginStatus(api: TestApp, forwardedFor: (attempt: number) => string): Promise<number> {
  let status = 0;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const response = await api.http
      .post('/login')
      .set('X-Forwarded-For', forwardedFor(attempt))
      .send({ email: uniqueEmail(), password: PASSWORD });
    status = response.status;
  }
  return status;
}

describe('TRUST_PROXY', () => {
  const limits = { THROTTLE_IP_LIMIT: '2', THROTTLE_ACCOUNT_LIMIT: '1000' };

  it('ignores X-Forwarded-For by default: a caller cannot dodge the per-address limit by forging it', async () => {
    const api = await createTestApp(limits);
    try {
      expect(await thirdLoginStatus(api, (attempt) => `203.0.113.${attempt}`)).toBe(429);
    } finally {
      await api.close();
    }
  });

  it('counts each forwarded client separately behind a trusted proxy', async () => {
    const api = await createTestApp({ ...limits, TRUST_PROXY: '127.0.0.1,::1,::ffff:127.0.0.1' });
    try {
      expect(await thirdLoginStatus(api, (attempt) => `203.0.113.${attempt}`)).toBe(401);
      expect(await thirdLoginStatus(api, () => '198.51.100.7')).toBe(429);
    } finally {
      await api.close();
    }
  });
});
