import { SetMetadata } from '@nestjs/common';
import type { Role } from '../../users/user.js';

export const ROLES_KEY = 'roles';

/** Restricts a route (or controller) to callers whose token carries one of these roles; checked by RolesGuard. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
