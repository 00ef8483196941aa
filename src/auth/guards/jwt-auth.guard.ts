import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { IS_PUBLIC_KEY } from '../../common/decorators/public.decorator.js';
import { InvalidTokenException } from '../../common/errors/invalid-token.exception.js';
import type { Principal } from '../access-token-claims.js';

const MAX_AUTHORIZATION_LENGTH = 8 * 1024;

/** Deny by default: every route needs a valid, unrevoked bearer token unless it is marked `@Public()`. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    // Our tokens are well under 1 KB; refuse oversized ones before any parsing or signature work.
    const { authorization } = context.switchToHttp().getRequest<{ headers: { authorization?: string } }>().headers;
    if (authorization && authorization.length > MAX_AUTHORIZATION_LENGTH) {
      throw new InvalidTokenException('The access token is too large');
    }
    return super.canActivate(context);
  }

  override handleRequest<TUser = Principal>(error: Error | null, principal: TUser | false, info: unknown): TUser {
    if (error) throw error;
    if (principal) return principal;
    throw new InvalidTokenException(describeRejection(info));
  }
}

function describeRejection(info: unknown): string {
  if (info instanceof Error && info.name === 'TokenExpiredError') return 'The access token has expired';
  if (info instanceof Error && info.message === 'No auth token') return 'A bearer token is required';
  return 'The access token is invalid';
}
