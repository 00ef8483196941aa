import { presentedClient } from './client-credentials.js';
import { OAuthException } from './oauth.exception.js';

const basic = (userPass: string) => `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`;

/** The OAuth error `call` throws, as `{code, status}`. */
function refusal(call: () => unknown): { code: string; status: number } {
  try {
    call();
  } catch (error) {
    if (error instanceof OAuthException) return { code: error.code, status: error.getStatus() };
    throw error;
  }
  throw new Error('expected an OAuthException');
}

describe('presentedClient', () => {
  it('finds no client when neither the header nor the body names one', () => {
    expect(presentedClient(undefined, {})).toBeUndefined();
  });

  it('reads HTTP Basic credentials, form-url-decoding the id and the secret (RFC 6749 §2.3.1)', () => {
    expect(presentedClient(basic('billing:s3cr%2Bet%3A+x%C3%A9'), {})).toEqual({
      id: 'billing',
      secret: 's3cr+et: xé',
    });
  });

  it('takes an id and a secret with nothing to decode as they are', () => {
    expect(presentedClient(basic('bench-client:0f3a9c_-.~Z'), {})).toEqual({
      id: 'bench-client',
      secret: '0f3a9c_-.~Z',
    });
  });

  it.each([
    ['no padding, none needed', 'YTpi', { id: 'a', secret: 'b' }],
    ['two = as needed', 'YWI6Yw==', { id: 'ab', secret: 'c' }],
    ['one = as needed', 'YWI6Y2Q=', { id: 'ab', secret: 'cd' }],
    ['one = more than needed', 'YWI6Y2Q==', { id: 'ab', secret: 'cd' }],
    ['the padding left out', 'YWI6Yw', { id: 'ab', secret: 'c' }],
  ])('reads HTTP Basic with %s (the padding is never part of the credentials)', (_case, encoded, client) => {
    expect(presentedClient(`Basic ${encoded}`, {})).toEqual(client);
  });

  it('keeps every colon after the first one in the secret', () => {
    expect(presentedClient(basic('billing:a:b:c'), {})).toEqual({ id: 'billing', secret: 'a:b:c' });
  });

  it('accepts the scheme in any case and without padding', () => {
    const encoded = Buffer.from('ab:cd').toString('base64').replace(/=+$/, '');
    expect(presentedClient(`bAsIc ${encoded}`, {})).toEqual({ id: 'ab', secret: 'cd' });
  });

  it('reads client_id and client_secret from the body', () => {
    expect(presentedClient(undefined, { client_id: 'billing', client_secret: 'pw' })).toEqual({
      id: 'billing',
      secret: 'pw',
    });
  });

  it.each([
    ['a body client_id alone', undefined, { client_id: 'spa' }],
    ['an empty client_secret in the body', undefined, { client_id: 'spa', client_secret: '' }],
    ['an empty password over HTTP Basic', basic('spa:'), {}],
  ])('treats %s as a public client naming itself, without a secret', (_case, header, body) => {
    expect(presentedClient(header, body)).toEqual({ id: 'spa', secret: undefined });
  });

  it('refuses HTTP Basic and body credentials together as invalid_request (RFC 6749 §2.3)', () => {
    expect(refusal(() => presentedClient(basic('a:b'), { client_id: 'a', client_secret: 'b' }))).toEqual({
      code: 'invalid_request',
      status: 400,
    });
    expect(refusal(() => presentedClient(basic('a:b'), { client_id: 'a' }))).toEqual({
      code: 'invalid_request',
      status: 400,
    });
  });

  it('refuses a client_secret without client_id as invalid_request', () => {
    expect(refusal(() => presentedClient(undefined, { client_secret: 'b' }))).toEqual({
      code: 'invalid_request',
      status: 400,
    });
  });

  it.each([
    ['a bearer token', 'Bearer abc.def.ghi'],
    ['another scheme', 'Digest username="a"'],
    ['Basic without credentials', 'Basic'],
    ['characters outside base64', 'Basic ab$cd'],
    ['a truncated base64 value', 'Basic YWJjZA=x'],
    ['base64 whose last character carries stray bits', 'Basic YTpiYx'],
    ['base64 one character short of a byte', 'Basic YTpiY'],
    ['three padding characters', `${basic('ab:cd')}==`],
    ['credentials without a colon', basic('billing')],
    ['an empty client id', basic(':secret')],
    ['a malformed percent escape', basic('billing:50%')],
    ['trailing garbage after the credentials', `${basic('a:b')} extra`],
  ])('refuses %s in the Authorization header as invalid_client', (_case, header) => {
    expect(refusal(() => presentedClient(header, {}))).toEqual({ code: 'invalid_client', status: 401 });
  });
});
