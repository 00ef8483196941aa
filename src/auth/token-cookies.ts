import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AllConfig } from '../config/config.types.js';
import type { TokenResponse } from './dto/token-response.dto.js';

export const ACCESS_TOKEN_COOKIE = 'access_token';
export const REFRESH_TOKEN_COOKIE = 'refresh_token';

/** The access token from its cookie, for passport-jwt (which takes extractors as plain functions). */
export function accessTokenFromCookie(request: FastifyRequest): string | null {
  return request.cookies?.[ACCESS_TOKEN_COOKIE] ?? null;
}

/**
 * The optional cookie transport (AUTH_COOKIE=true) for browser frontends: both tokens also ride in HttpOnly cookies
 * that page scripts cannot read. SameSite=Strict keeps them off cross-site requests (the CSRF defence, see README),
 * and the refresh token is sent only to the refresh route. With the transport off, every method does nothing.
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
    const base = { httpOnly: true, secure: true, sameSite: 'strict' } as const;
    void reply.setCookie(ACCESS_TOKEN_COOKIE, tokens.access_token, { ...base, path: '/', maxAge: tokens.expires_in });
    void reply.setCookie(REFRESH_TOKEN_COOKIE, tokens.refresh_token, {
      ...base,
      path: this.refreshPath,
      maxAge: tokens.refresh_expires_in,
    });
    return tokens;
  }

  clear(reply: FastifyReply): void {
    if (!this.enabled) return;
    void reply.clearCookie(ACCESS_TOKEN_COOKIE, { path: '/' });
    void reply.clearCookie(REFRESH_TOKEN_COOKIE, { path: this.refreshPath });
  }

  /** The refresh token from the body, or from its cookie when the transport is on. */
  refreshToken(request: FastifyRequest, fromBody: string | undefined): string | undefined {
    return fromBody ?? (this.enabled ? request.cookies?.[REFRESH_TOKEN_COOKIE] : undefined);
  }
}
