import { Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ErrorResponse } from '../common/errors/error-response.dto.js';
import { SessionViewDto } from '../sessions/dto/session-view.dto.js';
import { SessionsService, type SessionView } from '../sessions/sessions.service.js';
import type { Principal } from './access-token-claims.js';
import { CurrentPrincipal } from './decorators/current-principal.decorator.js';

@Controller('sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @ApiOperation({ summary: 'The live sessions (logins) of the caller' })
  @ApiOkResponse({ type: [SessionViewDto] })
  list(@CurrentPrincipal() principal: Principal): Promise<SessionView[]> {
    return this.sessions.list(principal.userId, principal.sessionId);
  }

  /** Only the caller's own sessions: another user's session id is a 404, never a 403 that confirms it exists. */
  @Delete(':sid')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'End one session of the caller: its refresh token and access tokens stop working' })
  @ApiNoContentResponse({ description: 'The session ended' })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'The caller has no session with this id' })
  end(
    @CurrentPrincipal() principal: Principal,
    @Param('sid', new ParseUUIDPipe({ version: '4' })) sessionId: string,
  ): Promise<void> {
    return this.sessions.end(principal.userId, sessionId);
  }
}
