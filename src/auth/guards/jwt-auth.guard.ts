import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { IS_PUBLIC_KEY } from '../../common/decorators/public.decorator.js';
import { InvalidTokenException } from '../../common/errors/invalid-token.exception.js';
import type { Principal } from '../access-token-claims.js';
import { JwtStrategy } from '../strategies/jwt.strategy.js';

const MAX_AUTHORIZATION_LENGTH = 8 * 1024;

/**
 * Deny by default: every route needs a valid, unrevoked bearer token unless it is marked `@Public()`. The caller
 * becomes `request.user`, as with `AuthGuard('jwt')`, from the same passport-jwt strategy, run directly (see
 * `JwtStrategy.principalOf`).
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: JwtStrategy,
  ) {}

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
    request.user = await this.strategy.principalOf(request);
    return true;
  }
}
