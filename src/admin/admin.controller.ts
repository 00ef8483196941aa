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
import type { Principal } from '../auth/access-token-claims.js';
import { CurrentPrincipal } from '../auth/decorators/current-principal.decorator.js';
import { Roles } from '../auth/decorators/roles.decorator.js';
import { RolesGuard } from '../auth/guards/roles.guard.js';
import { ADMIN_ROLE } from '../users/user.js';
import { AdminService, type AdminUserView } from './admin.service.js';
import { AuditQueryDto } from './dto/audit-query.dto.js';
import { SetRolesDto } from './dto/set-roles.dto.js';

const UserId = () => Param('id', new ParseUUIDPipe());

@Controller('admin')
@Roles(ADMIN_ROLE)
@UseGuards(RolesGuard)
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Get('users/:id')
  getUser(@UserId() id: string): Promise<AdminUserView> {
    return this.admin.getUser(id);
  }

  @Post('users/:id/disable')
  @HttpCode(HttpStatus.NO_CONTENT)
  disable(@UserId() id: string, @CurrentPrincipal() actor: Principal): Promise<void> {
    return this.admin.disable(id, actor.userId);
  }

  @Post('users/:id/enable')
  @HttpCode(HttpStatus.NO_CONTENT)
  enable(@UserId() id: string, @CurrentPrincipal() actor: Principal): Promise<void> {
    return this.admin.enable(id, actor.userId);
  }

  @Post('users/:id/revoke-sessions')
  @HttpCode(HttpStatus.NO_CONTENT)
  revokeSessions(@UserId() id: string, @CurrentPrincipal() actor: Principal): Promise<void> {
    return this.admin.revokeSessions(id, actor.userId);
  }

  @Put('users/:id/roles')
  @HttpCode(HttpStatus.NO_CONTENT)
  setRoles(@UserId() id: string, @Body() body: SetRolesDto, @CurrentPrincipal() actor: Principal): Promise<void> {
    return this.admin.setRoles(id, body.roles, actor.userId);
  }

  /** Newest first; pass `next_cursor` as `before` for the next page. */
  @Get('audit')
  async audit(@Query() query: AuditQueryDto) {
    const page = await this.admin.auditPage(query.limit, query.before);
    return { entries: page.entries, next_cursor: page.nextCursor ?? null };
  }
}
