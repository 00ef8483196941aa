import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '../access-token-claims.js';

/** The verified caller that JwtAuthGuard attached to the request. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal =>
    context.switchToHttp().getRequest<{ user: Principal }>().user,
);
