import { Body, Controller, Headers, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { Public } from '../common/decorators/public.decorator.js';
import type { PublicUser } from '../users/user.js';
import type { Principal } from './access-token-claims.js';
import { AuthService } from './auth.service.js';
import { CurrentPrincipal } from './decorators/current-principal.decorator.js';
import { LoginDto, RegisterDto } from './dto/credentials.dto.js';
import { RefreshDto } from './dto/refresh.dto.js';
import type { TokenResponse } from './dto/token-response.dto.js';
import { InvalidTokenException } from '../common/errors/invalid-token.exception.js';

@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('register')
  register(@Body() body: RegisterDto): Promise<PublicUser> {
    return this.auth.register(body);
  }

  @Public()
  @Post('login')
  @HttpCode(HttpStatus.OK)
  login(@Body() body: LoginDto, @Headers('user-agent') userAgent?: string): Promise<TokenResponse> {
    return this.auth.login(body, userAgent);
  }

  @Public()
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  refresh(@Body() body: RefreshDto): Promise<TokenResponse> {
    if (!body.refresh_token) throw new InvalidTokenException('A refresh_token is required');
    return this.auth.refresh(body.refresh_token);
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  logout(@CurrentPrincipal() principal: Principal): Promise<void> {
    return this.auth.logout(principal);
  }

  @Post('logout-all')
  @HttpCode(HttpStatus.NO_CONTENT)
  logoutAll(@CurrentPrincipal() principal: Principal): Promise<void> {
    return this.auth.logoutEverywhere(principal);
  }
}
