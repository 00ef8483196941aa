import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import type { Principal } from '../auth/access-token-claims.js';
import { CurrentPrincipal } from '../auth/decorators/current-principal.decorator.js';
import { Roles } from '../auth/decorators/roles.decorator.js';
import { RolesGuard } from '../auth/guards/roles.guard.js';
import { ErrorResponse } from '../common/errors/error-response.dto.js';
import { ADMIN_ROLE } from '../users/user.js';
import { AdminService, type AdminUserView } from './admin.service.js';
import { AdminUserViewDto } from './dto/admin-user-view.dto.js';
import { AuditPageDto } from './dto/audit-page.dto.js';
import { AuditQueryDto } from './dto/audit-query.dto.js';
import { SetRolesDto } from './dto/set-roles.dto.js';

const UserId = () => Param('id', new ParseUUIDPipe());
const NoSuchUser = () => ApiNotFoundResponse({ type: ErrorResponse, description: 'No user has this id' });
const RefusedOnSelf = (action: string) =>
  ApiConflictResponse({ type: ErrorResponse, description: `An admin cannot ${action} themselves` });

@Controller('admin')
@Roles(ADMIN_ROLE)
@UseGuards(RolesGuard)
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Get('users/:id')
  @ApiOperation({ summary: 'One account, with its roles, state and number of live sessions' })
  @ApiOkResponse({ type: AdminUserViewDto })
  @NoSuchUser()
  getUser(@UserId() id: string): Promise<AdminUserView> {
    return this.admin.getUser(id);
  }

  @Post('users/:id/disable')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Disable an account: every token and refresh is refused at once, login is blocked' })
  @ApiNoContentResponse({ description: 'Disabled' })
  @NoSuchUser()
  @RefusedOnSelf('disable')
  disable(@UserId() id: string, @CurrentPrincipal() actor: Principal): Promise<void> {
    return this.admin.disable(id, actor.userId);
  }

  @Post('users/:id/enable')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Enable an account again: login works, the tokens refused before stay refused' })
  @ApiNoContentResponse({ description: 'Enabled' })
  @NoSuchUser()
  enable(@UserId() id: string, @CurrentPrincipal() actor: Principal): Promise<void> {
    return this.admin.enable(id, actor.userId);
  }

  @Post('users/:id/revoke-sessions')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'End every session of a user: every token issued so far is refused' })
  @ApiNoContentResponse({ description: 'The revocation is stored' })
  @NoSuchUser()
  revokeSessions(@UserId() id: string, @CurrentPrincipal() actor: Principal): Promise<void> {
    return this.admin.revokeSessions(id, actor.userId);
  }

  @Put('users/:id/roles')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Replace the roles of a user: older tokens are refused, new logins carry the new roles' })
  @ApiNoContentResponse({ description: 'Roles replaced' })
  @NoSuchUser()
  @RefusedOnSelf('remove the admin role from')
  setRoles(@UserId() id: string, @Body() body: SetRolesDto, @CurrentPrincipal() actor: Principal): Promise<void> {
    return this.admin.setRoles(id, body.roles, actor.userId);
  }

  /** Newest first; pass `next_cursor` as `before` for the next page. */
  @Get('audit')
  @ApiOperation({ summary: 'The audit log of revocations, newest first' })
  @ApiOkResponse({ type: AuditPageDto })
  async audit(@Query() query: AuditQueryDto): Promise<AuditPageDto> {
    const page = await this.admin.auditPage(query.limit, query.before);
    return { entries: page.entries, next_cursor: page.nextCursor ?? null };
  }
}
