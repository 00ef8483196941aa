import { ForbiddenException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '../../users/user.js';
import type { Principal } from '../access-token-claims.js';
import { ROLES_KEY } from '../decorators/roles.decorator.js';

/**
 * Runs after the global JwtAuthGuard, so the caller is authenticated and its token unrevoked. The roles come from
 * the token: a role change ends every session of the user, so no token outlives the roles it claims.
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required?.length) return true;
    const { user } = context.switchToHttp().getRequest<{ user?: Principal }>();
    if (user && required.some((role) => user.roles.includes(role))) return true;
    throw new ForbiddenException('This route needs one of these roles: ' + required.join(', '));
  }
}
