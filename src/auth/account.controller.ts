import { Body, Controller, Delete, Get, Headers, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ErrorResponse, WWW_AUTHENTICATE_HEADER } from '../common/errors/error-response.dto.js';
import { PublicUserDto } from '../users/dto/public-user.dto.js';
import type { PublicUser } from '../users/user.js';
import { UsersService } from '../users/users.service.js';
import type { Principal } from './access-token-claims.js';
import { AuthService } from './auth.service.js';
import { CurrentPrincipal } from './decorators/current-principal.decorator.js';
import { ChangePasswordDto } from './dto/change-password.dto.js';
import { DeleteAccountDto } from './dto/delete-account.dto.js';
import { TokenResponse } from './dto/token-response.dto.js';
import { TokenCookies } from './token-cookies.js';
import { LimitFailedAttempts } from '../throttling/limit-failed-attempts.decorator.js';
import { principalTracker } from '../throttling/trackers.js';

@Controller('me')
export class AccountController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly cookies: TokenCookies,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The account of the caller' })
  @ApiOkResponse({ type: PublicUserDto })
  me(@CurrentPrincipal() principal: Principal): Promise<PublicUser> {
    return this.users.getProfile(principal.userId);
  }

  /** Every session ends (every token is refused); the caller gets a fresh session in the answer. */
  @Post('password')
  @LimitFailedAttempts(principalTracker)
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Change the password',
    description:
      'Every session ends and every token is refused; the answer carries the tokens of a fresh session. A retry ' +
      'of a change whose answer was lost (the new password already works) completes it.',
  })
  @ApiOkResponse({ type: TokenResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'Another change of the password won the race' })
  @ApiUnauthorizedResponse({
    type: ErrorResponse,
    description: 'The token is missing, invalid, expired or revoked, or the current password is wrong',
    headers: WWW_AUTHENTICATE_HEADER,
  })
  async changePassword(
    @CurrentPrincipal() principal: Principal,
    @Body() body: ChangePasswordDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('user-agent') userAgent?: string,
  ): Promise<TokenResponse> {
    return this.cookies.deliver(reply, await this.auth.changePassword(principal, body, userAgent));
  }

  /** The account, its sessions and refresh tokens are gone, its tokens refused; the email can register again. */
  @Delete()
  @LimitFailedAttempts(principalTracker)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete the account: its sessions and tokens end, the email can register again' })
  @ApiNoContentResponse({ description: 'The account is gone' })
  @ApiUnauthorizedResponse({
    type: ErrorResponse,
    description: 'The token is missing, invalid, expired or revoked, or the password is wrong',
    headers: WWW_AUTHENTICATE_HEADER,
  })
  async deleteAccount(
    @CurrentPrincipal() principal: Principal,
    @Body() body: DeleteAccountDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.auth.deleteAccount(principal, body.password);
    this.cookies.clear(reply);
  }
}
