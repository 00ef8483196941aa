import type { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/config.types.js';
import type { ConfiguredOAuthClient } from '../config/oauth.config.js';
import { ClientAuthenticator } from './client-authenticator.js';
import { OAuthException } from './oauth.exception.js';

const BILLING: ConfiguredOAuthClient = {
  id: 'billing',
  secret: '9f2c4b7e1a8d3f6c0b5e2a9d7c4f1e8b',
  audiences: ['orders-api'],
};
const REPORTS: ConfiguredOAuthClient = { id: 'reports', secret: 'c0ffee11d0d0beef2a3b4c5d6e7f8091', audiences: [] };

function authenticatorFor(clients: ConfiguredOAuthClient[]): ClientAuthenticator {
  const config = { get: (key: string) => (key === 'oauth.clients' ? clients : undefined) };
  return new ClientAuthenticator(config as unknown as ConfigService<AllConfig, true>);
}

/** 'ok', or the OAuth error code the call threw. */
function outcome(call: () => void): string {
  try {
    call();
    return 'ok';
  } catch (error) {
    if (error instanceof OAuthException) return error.code;
    throw error;
  }
}

describe('ClientAuthenticator', () => {
  const clients = authenticatorFor([BILLING, REPORTS]);

  describe('requireConfidential (introspection)', () => {
    it.each([
      ['a configured client with its secret', BILLING, 'ok'],
      ['no client', undefined, 'invalid_client'],
      ['a wrong secret', { id: BILLING.id, secret: `${BILLING.secret}x` }, 'invalid_client'],
      ["another client's secret", { id: 'reports', secret: BILLING.secret }, 'invalid_client'],
      ['an unknown client', { id: 'stranger', secret: BILLING.secret }, 'invalid_client'],
      ['a configured client without a secret', { id: BILLING.id }, 'invalid_client'],
      ['an unknown client without a secret', { id: 'spa' }, 'invalid_client'],
    ])('answers %s with %s', (_case, client, expected) => {
      expect(outcome(() => clients.requireConfidential(client))).toBe(expected);
    });

    it('answers with the client its secret authenticates, audiences included', () => {
      expect(clients.requireConfidential({ id: BILLING.id, secret: BILLING.secret })).toEqual(BILLING);
      expect(clients.requireConfidential({ id: REPORTS.id, secret: REPORTS.secret })).toEqual(REPORTS);
    });

    it('refuses everyone when no client is configured', () => {
      const none = authenticatorFor([]);
      expect(outcome(() => none.requireConfidential(BILLING))).toBe('invalid_client');
      expect(outcome(() => none.requireConfidential({ id: 'x', secret: '' }))).toBe('invalid_client');
    });
  });

  describe('allowPublic (revocation)', () => {
    it.each([
      ['no client', undefined, 'ok'],
      ['a public client naming itself', { id: 'spa' }, 'ok'],
      ['a configured client with its secret', BILLING, 'ok'],
      ['a configured client without its secret', { id: BILLING.id }, 'invalid_client'],
      ['a wrong secret', { id: BILLING.id, secret: 'nope' }, 'invalid_client'],
      ['an unknown client with a secret', { id: 'stranger', secret: BILLING.secret }, 'invalid_client'],
    ])('answers %s with %s', (_case, client, expected) => {
      expect(outcome(() => clients.allowPublic(client))).toBe(expected);
    });
  });
});
