import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ExtractJwt, type JwtFromRequestFunction } from 'passport-jwt';
import { IS_PUBLIC_KEY } from '../../common/decorators/public.decorator.js';
import { InvalidTokenException } from '../../common/errors/invalid-token.exception.js';
import type { AllConfig } from '../../config/config.types.js';
import type { Principal } from '../access-token-claims.js';
import { AccessTokenVerifier } from '../access-token-verifier.js';
import { accessTokenFromCookie } from '../token-cookies.js';

const MAX_AUTHORIZATION_LENGTH = 8 * 1024;

/**
 * Deny by default: every route needs a valid, unrevoked access token unless it is marked `@Public()`. The token is
 * taken with passport-jwt's extractors (the Authorization header; the cookie too when the cookie transport is on)
 * and checked by AccessTokenVerifier.authenticate, which the OAuth endpoints share; the caller becomes
 * `request.user`, as with `AuthGuard('jwt')`. Why passport's own middleware is not used: docs/keys.md.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly tokenFrom: JwtFromRequestFunction<FastifyRequest>;

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: AccessTokenVerifier,
    config: ConfigService<AllConfig, true>,
  ) {
    const fromHeader = ExtractJwt.fromAuthHeaderAsBearerToken();
    this.tokenFrom = config.get('session.cookieTransport', { infer: true })
      ? ExtractJwt.fromExtractors([fromHeader, accessTokenFromCookie])
      : fromHeader;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    // Our tokens are well under 1 KB; refuse oversized ones before any parsing or signature work.
    const { authorization } = request.headers;
    if (authorization && authorization.length > MAX_AUTHORIZATION_LENGTH) {
      throw new InvalidTokenException('The access token is too large');
    }
    const token = this.tokenFrom(request);
    if (!token) throw new InvalidTokenException('A bearer token is required');
    request.user = await this.verifier.authenticate(token);
    return true;
  }
}
