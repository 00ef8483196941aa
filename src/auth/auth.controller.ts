import { Body, Controller, Headers, HttpCode, HttpStatus, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../common/decorators/public.decorator.js';
import { ErrorResponse, WWW_AUTHENTICATE_HEADER } from '../common/errors/error-response.dto.js';
import { InvalidTokenException } from '../common/errors/invalid-token.exception.js';
import { PublicUserDto } from '../users/dto/public-user.dto.js';
import type { PublicUser } from '../users/user.js';
import type { Principal } from './access-token-claims.js';
import { AuthService } from './auth.service.js';
import { CurrentPrincipal } from './decorators/current-principal.decorator.js';
import { LoginDto, RegisterDto } from './dto/credentials.dto.js';
import { RefreshDto } from './dto/refresh.dto.js';
import { TokenResponse } from './dto/token-response.dto.js';
import { AuthThrottlerGuard } from '../throttling/auth-throttler.guard.js';
import { LimitFailedAttempts } from '../throttling/limit-failed-attempts.decorator.js';
import { accountTracker } from '../throttling/trackers.js';
import { TokenCookies } from './token-cookies.js';

@Controller()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly cookies: TokenCookies,
  ) {}

  @Public()
  @UseGuards(AuthThrottlerGuard)
  @Post('register')
  @ApiOperation({ summary: 'Create an account' })
  @ApiCreatedResponse({ type: PublicUserDto })
  @ApiConflictResponse({ type: ErrorResponse, description: 'The email is registered already' })
  register(@Body() body: RegisterDto): Promise<PublicUser> {
    return this.auth.register(body);
  }

  @Public()
  @LimitFailedAttempts(accountTracker)
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Log in: open a session and get its tokens' })
  @ApiOkResponse({ type: TokenResponse })
  @ApiUnauthorizedResponse({
    type: ErrorResponse,
    description: 'Wrong email or password, or a disabled account (one answer for all, so it reveals no account)',
  })
  async login(
    @Body() body: LoginDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('user-agent') userAgent?: string,
  ): Promise<TokenResponse> {
    return this.cookies.deliver(reply, await this.auth.login(body, userAgent));
  }

  @Public()
  @UseGuards(AuthThrottlerGuard)
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Exchange a refresh token for a new token pair',
    description: 'Rotates the refresh token: the one sent stops working; sending a used one again ends the session.',
  })
  @ApiOkResponse({ type: TokenResponse })
  @ApiUnauthorizedResponse({
    type: ErrorResponse,
    description: 'The refresh token is missing, unknown, expired, revoked or already used',
    headers: WWW_AUTHENTICATE_HEADER,
  })
  async refresh(
    @Body() body: RefreshDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponse> {
    const refreshToken = this.cookies.refreshToken(request, body.refresh_token);
    if (!refreshToken) throw new InvalidTokenException('A refresh_token is required');
    return this.cookies.deliver(reply, await this.auth.refresh(refreshToken));
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'End this session: the token and its refresh token stop working' })
  @ApiNoContentResponse({ description: 'The revocation is stored' })
  async logout(@CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.auth.logout(principal);
    this.cookies.clear(reply);
  }

  @Post('logout-all')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'End every session of the caller: every token issued so far stops working' })
  @ApiNoContentResponse({ description: 'The revocation is stored' })
  async logoutAll(@CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.auth.logoutEverywhere(principal);
    this.cookies.clear(reply);
  }
}
