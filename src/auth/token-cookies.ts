import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AllConfig } from '../config/config.types.js';
import type { TokenResponse } from './dto/token-response.dto.js';

// `__Host-`: the browser takes it only with Secure, Path=/ and no Domain, so no sibling subdomain (nor a plain-HTTP
// page) can plant or overwrite it. `__Secure-`: Secure required; this one keeps its narrower path.
export const ACCESS_TOKEN_COOKIE = '__Host-access_token';
export const REFRESH_TOKEN_COOKIE = '__Secure-refresh_token';

// A cookie is replaced (and so cleared) only by one with the same name, path and attributes the prefix requires.
const ATTRIBUTES = { httpOnly: true, secure: true, sameSite: 'strict' } as const;

/** The access token from its cookie, for passport-jwt (which takes extractors as plain functions). */
export function accessTokenFromCookie(request: FastifyRequest): string | null {
  return request.cookies?.[ACCESS_TOKEN_COOKIE] ?? null;
}

/**
 * The optional cookie transport (AUTH_COOKIE=true) for browser frontends: both tokens also ride in HttpOnly cookies
 * that page scripts cannot read. SameSite=Strict keeps them off cross-site requests and cookie-csrf.ts refuses
 * requests a same-site page could forge (the CSRF defence, see docs/sessions.md); the refresh token is sent only to the
 * refresh route. With the transport off, every method does nothing.
 */
@Injectable()
export class TokenCookies {
  readonly enabled: boolean;
  private readonly refreshPath: string;

  constructor(config: ConfigService<AllConfig, true>) {
    this.enabled = config.get('session.cookieTransport', { infer: true });
    const prefix = config.get('app.apiPrefix', { infer: true });
    this.refreshPath = prefix ? `/${prefix}/refresh` : '/refresh';
  }

  /** Sets both cookies (when enabled) and hands the token response back for the body. */
  deliver(reply: FastifyReply, tokens: TokenResponse): TokenResponse {
    if (!this.enabled) return tokens;
    void reply.setCookie(ACCESS_TOKEN_COOKIE, tokens.access_token, {
      ...ATTRIBUTES,
      path: '/',
      maxAge: tokens.expires_in,
    });
    void reply.setCookie(REFRESH_TOKEN_COOKIE, tokens.refresh_token, {
      ...ATTRIBUTES,
      path: this.refreshPath,
      maxAge: tokens.refresh_expires_in,
    });
    return tokens;
  }

  clear(reply: FastifyReply): void {
    if (!this.enabled) return;
    void reply.clearCookie(ACCESS_TOKEN_COOKIE, { ...ATTRIBUTES, path: '/' });
    void reply.clearCookie(REFRESH_TOKEN_COOKIE, { ...ATTRIBUTES, path: this.refreshPath });
  }

  /** The refresh token from the body, or from its cookie when the transport is on. */
  refreshToken(request: FastifyRequest, fromBody: string | undefined): string | undefined {
    return fromBody ?? (this.enabled ? request.cookies?.[REFRESH_TOKEN_COOKIE] : undefined);
  }
}
