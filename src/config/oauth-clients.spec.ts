import { ConfigValidationError } from './env.validation.js';
import { validateEnv } from './load-config.js';
import { parseOAuthClients } from './oauth-clients.js';

const JWT_SECRET = 'oYpFVkvM5QGcHTpf11K9Wk4hWDWW92GeczY3aInMRcg';
const STRONG = '3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e';
const OTHER = 'b7e2d9f4a1c6e3b8d5f0a7c2e9b4d1f6';

describe('parseOAuthClients', () => {
  it('reads no clients from an unset or empty setting', () => {
    expect(parseOAuthClients(undefined)).toEqual({ clients: [], problems: [] });
    expect(parseOAuthClients('')).toEqual({ clients: [], problems: [] });
  });

  it('reads id:secret pairs separated by commas, ignoring blanks around and between them', () => {
    expect(parseOAuthClients(` billing:${STRONG} ,, reports.v2_x-y:${OTHER}:with:colons ,`)).toEqual({
      clients: [
        { id: 'billing', secret: STRONG },
        { id: 'reports.v2_x-y', secret: `${OTHER}:with:colons` },
      ],
      problems: [],
    });
  });

  it('reads the audiences a client is bound to, space-separated in brackets after its id, URLs with colons included', () => {
    expect(
      parseOAuthClients(
        `billing[orders-api  https://api.example.com:8443/v1]:${STRONG},reports[]:${OTHER}:x,legacy:${STRONG}`,
      ),
    ).toEqual({
      clients: [
        { id: 'billing', secret: STRONG, audiences: ['orders-api', 'https://api.example.com:8443/v1'] },
        { id: 'reports', secret: `${OTHER}:x`, audiences: [] },
        { id: 'legacy', secret: STRONG },
      ],
      problems: [],
    });
    expect(parseOAuthClients(`billing:${STRONG}`).clients[0].audiences).toBeUndefined();
  });

  it('lists an audience named twice once', () => {
    expect(parseOAuthClients(`billing[a b a]:${STRONG}`).clients[0].audiences).toEqual(['a', 'b']);
  });

  it('reads brackets after the first colon as part of the secret, as before audiences existed', () => {
    expect(parseOAuthClients(`billing:${STRONG}[aud]:x`).clients).toEqual([
      { id: 'billing', secret: `${STRONG}[aud]:x` },
    ]);
  });

  it.each([
    ['an unclosed audience list', `billing[orders-api:${STRONG}`],
    ['text between the audience list and the colon', `billing[orders-api]x:${STRONG}`],
    ['an audience list without a secret after it', 'billing[orders-api]'],
    ['a bracket inside the audience list', `billing[a]b]:${STRONG}`],
    ['an audience list without an id', `[orders-api]:${STRONG}`],
  ])('refuses %s with the format line, naming the position', (_case, entry) => {
    const { problems } = parseOAuthClients(`ok:${OTHER},${entry}`);
    expect(problems).toEqual([
      'OAUTH_CLIENTS entry 2 must be client_id:client_secret or client_id[audience …]:client_secret, the id 1-64 of A-Z a-z 0-9 . _ -',
    ]);
  });

  it('holds the secret of a client with audiences to the same rules', () => {
    expect(parseOAuthClients('billing[orders-api]:short').problems).toEqual([
      expect.stringMatching(/^OAUTH_CLIENTS: the secret of client "billing" is shorter than 32 characters/),
    ]);
  });

  it.each([
    ['an entry without a colon', STRONG],
    ['an empty id', `:${STRONG}`],
    ['an id with a forbidden character', `bill ing:${STRONG}`],
    ['an id over 64 characters', `${'a'.repeat(65)}:${STRONG}`],
  ])('refuses %s, naming its position and never its text', (_case, entry) => {
    const { problems } = parseOAuthClients(`billing:${OTHER},${entry}`);
    expect(problems).toEqual([expect.stringMatching(/^OAUTH_CLIENTS entry 2 must be client_id:client_secret/)]);
    expect(problems[0]).not.toContain(STRONG);
  });

  it.each([
    ['short', 'Ab3$dE6', /is shorter than 32 characters/],
    ['a placeholder', 'change-me-0123456789abcdefghijklmnop', /looks like a placeholder/],
    ['repetitive', 'ab'.repeat(20), /has too few distinct characters/],
    ['empty', '', /is not set/],
  ])('refuses a %s secret as JWT_SECRET would be, naming the client and not the secret', (_case, secret, reason) => {
    const { problems } = parseOAuthClients(`billing:${secret}`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^OAUTH_CLIENTS: the secret of client "billing" /);
    expect(problems[0]).toMatch(reason);
    expect(problems[0]).toMatch(/openssl rand -hex 32/);
    if (secret) expect(problems[0]).not.toContain(secret);
  });

  it('refuses an id that appears twice', () => {
    expect(parseOAuthClients(`billing:${STRONG},billing:${OTHER}`).problems).toEqual([
      'OAUTH_CLIENTS names client "billing" twice',
    ]);
  });

  it('refuses a client secret equal to JWT_SECRET', () => {
    expect(parseOAuthClients(`billing:${JWT_SECRET}`, JWT_SECRET).problems).toEqual([
      'OAUTH_CLIENTS: client "billing" must not use JWT_SECRET as its secret',
    ]);
  });
});

describe('validateEnv with OAUTH_CLIENTS', () => {
  it('starts without OAUTH_CLIENTS and with valid clients', () => {
    expect(validateEnv({ JWT_SECRET }).OAUTH_CLIENTS).toBeUndefined();
    expect(validateEnv({ JWT_SECRET, OAUTH_CLIENTS: `billing:${STRONG}` }).OAUTH_CLIENTS).toBe(`billing:${STRONG}`);
  });

  it('starts with clients bound to audiences, and refuses a malformed audience list with one line', () => {
    expect(validateEnv({ JWT_SECRET, OAUTH_CLIENTS: `billing[orders-api]:${STRONG}` }).OAUTH_CLIENTS).toBeDefined();
    expect(() => validateEnv({ JWT_SECRET, OAUTH_CLIENTS: `billing[orders-api:${STRONG}` })).toThrow(
      /^Invalid configuration: OAUTH_CLIENTS entry 1 must be client_id:client_secret or client_id\[audience …\]:client_secret/,
    );
  });

  it.each(['0', '-1', 'many'])('refuses THROTTLE_OAUTH_CLIENT_LIMIT=%s', (limit) => {
    expect(() => validateEnv({ JWT_SECRET, THROTTLE_OAUTH_CLIENT_LIMIT: limit })).toThrow(
      /THROTTLE_OAUTH_CLIENT_LIMIT/,
    );
  });

  it('refuses to start on a weak client secret with one line that says what to set and leaks no secret', () => {
    const weak = 'tooShort123';
    let refusal: unknown;
    try {
      validateEnv({ JWT_SECRET, OAUTH_CLIENTS: `billing:${STRONG},reports:${weak}` });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ConfigValidationError);
    const message = (refusal as Error).message;
    expect(message).toMatch(/OAUTH_CLIENTS: the secret of client "reports" is shorter than 32 characters/);
    expect(message.split('\n')).toHaveLength(1);
    expect(message).not.toContain(weak);
    expect(message).not.toContain(STRONG);
  });
});
