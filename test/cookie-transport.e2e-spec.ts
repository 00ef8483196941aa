import { bearer, PASSWORD, register } from './support/auth-client.js';
import { createTestApp, type TestApp } from './support/test-app.js';

interface Cookie {
  value: string;
  attributes: string[];
}

/** The cookies a response sets, by name, with their attributes. */
function cookiesOf(setCookie: string[] | string | undefined): Record<string, Cookie> {
  const headers = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return Object.fromEntries(
    headers.map((header) => {
      const [pair, ...attributes] = header.split(';').map((part) => part.trim());
      const [name, ...value] = pair.split('=');
      return [name, { value: value.join('='), attributes }];
    }),
  );
}

describe('cookie transport (AUTH_COOKIE=true)', () => {
  let api: TestApp;

  beforeAll(async () => {
    api = await createTestApp({ AUTH_COOKIE: 'true' });
  });

  afterAll(async () => {
    await api.close();
  });

  async function loginCookies(): Promise<Record<string, Cookie>> {
    const { email } = await register(api.http);
    const response = await api.http.post('/login').send({ email, password: PASSWORD }).expect(200);
    return cookiesOf(response.headers['set-cookie']);
  }

  it('sets both tokens as HttpOnly, Secure, SameSite=Strict cookies, the refresh token only for /refresh', async () => {
    const cookies = await loginCookies();
    expect(cookies.access_token.attributes).toEqual(
      expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']),
    );
    expect(cookies.refresh_token.attributes).toEqual(
      expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/refresh']),
    );
  });

  it('authenticates with the access-token cookie, and still with a bearer header', async () => {
    const cookies = await loginCookies();
    await api.http.get('/me').set('Cookie', `access_token=${cookies.access_token.value}`).expect(200);
    await api.http.get('/me').set(bearer(cookies.access_token.value)).expect(200);
  });

  it('rotates the refresh token from its cookie and sets the new pair', async () => {
    const cookies = await loginCookies();
    const response = await api.http
      .post('/refresh')
      .set('Cookie', `refresh_token=${cookies.refresh_token.value}`)
      .send({})
      .expect(200);
    const rotated = cookiesOf(response.headers['set-cookie']);
    expect(rotated.refresh_token.value).not.toBe(cookies.refresh_token.value);
    await api.http.get('/me').set('Cookie', `access_token=${rotated.access_token.value}`).expect(200);
  });

  it('clears both cookies on logout and refuses the old access-token cookie', async () => {
    const cookies = await loginCookies();
    const cookieHeader = `access_token=${cookies.access_token.value}`;
    const response = await api.http.post('/logout').set('Cookie', cookieHeader).expect(204);
    const cleared = cookiesOf(response.headers['set-cookie']);
    expect(cleared.access_token.value).toBe('');
    expect(cleared.refresh_token.value).toBe('');
    await api.http.get('/me').set('Cookie', cookieHeader).expect(401);
  });
});

describe('without the cookie transport (default)', () => {
  let api: TestApp;

  beforeAll(async () => {
    api = await createTestApp();
  });

  afterAll(async () => {
    await api.close();
  });

  it('sets no cookie and ignores an access-token cookie', async () => {
    const { email } = await register(api.http);
    const response = await api.http.post('/login').send({ email, password: PASSWORD }).expect(200);
    expect(response.headers['set-cookie']).toBeUndefined();
    const token = (response.body as { access_token: string }).access_token;
    await api.http.get('/me').set('Cookie', `access_token=${token}`).expect(401);
  });
});
