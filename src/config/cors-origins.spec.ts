import { parseCorsOrigins } from './cors-origins.js';
import { ConfigValidationError } from './env.validation.js';
import { validateEnv } from './load-config.js';
import { STRONG_SECRET } from './testing/strong-secret.js';

describe('parseCorsOrigins', () => {
  it('reads comma-separated origins, ignoring blanks, spaces and repeats', () => {
    expect(
      parseCorsOrigins(' https://app.example.com, ,http://127.0.0.1:5173,https://app.example.com,http://[::1]:8080'),
    ).toEqual({
      origins: ['https://app.example.com', 'http://127.0.0.1:5173', 'http://[::1]:8080'],
      problems: [],
    });
    expect(parseCorsOrigins('')).toEqual({ origins: [], problems: [] });
    expect(parseCorsOrigins(undefined)).toEqual({ origins: [], problems: [] });
  });

  it.each(['*', 'null', 'NULL'])('refuses %s, which with credentials would let any page act as the user', (entry) => {
    const { origins, problems } = parseCorsOrigins(`https://app.example.com,${entry}`);

    expect(origins).toEqual(['https://app.example.com']);
    expect(problems).toEqual([expect.stringMatching(/^CORS_ORIGINS must not hold ".+": credentials are allowed/)]);
    expect(problems[0]).toContain('like https://app.example.com');
  });

  it.each([
    'https://app.example.com/',
    'https://app.example.com/app',
    'https://app.example.com?x=1',
    'https://app.example.com#top',
    'https://user:pass@app.example.com',
    'ftp://app.example.com',
    'app.example.com',
    'app.example.com:443',
    'file:///index.html',
  ])('refuses %s, which is not scheme://host[:port]', (entry) => {
    expect(parseCorsOrigins(entry)).toEqual({
      origins: [],
      problems: [
        `CORS_ORIGINS entry "${entry}" is not an origin: write scheme://host[:port] (http or https; no path, query, user or trailing slash), like https://app.example.com`,
      ],
    });
  });

  it.each([
    ['https://App.Example.com', 'https://app.example.com'],
    ['https://app.example.com:443', 'https://app.example.com'],
    ['http://app.example.com:80', 'http://app.example.com'],
  ])('refuses %s, which no browser sends, naming the form it does send (%s)', (entry, origin) => {
    expect(parseCorsOrigins(entry).problems).toEqual([
      `CORS_ORIGINS entry "${entry}" never matches a browser's Origin: write it as ${origin}`,
    ]);
  });
});

describe('CORS_ORIGINS in validateEnv', () => {
  it('stops the app with one line naming CORS_ORIGINS', () => {
    expect(() => validateEnv({ JWT_SECRET: STRONG_SECRET, CORS_ORIGINS: '*' })).toThrow(ConfigValidationError);
    expect(() => validateEnv({ JWT_SECRET: STRONG_SECRET, CORS_ORIGINS: 'null' })).toThrow(
      /^Invalid configuration: CORS_ORIGINS must not hold "null"/,
    );
  });

  it('accepts a list of origins', () => {
    const env = validateEnv({ JWT_SECRET: STRONG_SECRET, CORS_ORIGINS: 'https://a.example.com,https://b.example.com' });
    expect(env.CORS_ORIGINS).toBe('https://a.example.com,https://b.example.com');
  });
});
