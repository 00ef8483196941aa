import { Body, Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { Public } from '../common/decorators/public.decorator.js';
import type { PublicUser } from '../users/user.js';
import { UsersService } from '../users/users.service.js';
import type { Principal } from './access-token-claims.js';
import { AuthService } from './auth.service.js';
import { CurrentPrincipal } from './decorators/current-principal.decorator.js';
import { LoginDto, RegisterDto } from './dto/credentials.dto.js';
import type { TokenResponse } from './dto/token-response.dto.js';

@Controller()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  @Public()
  @Post('register')
  register(@Body() body: RegisterDto): Promise<PublicUser> {
    return this.auth.register(body);
  }

  @Public()
  @Post('login')
  @HttpCode(HttpStatus.OK)
  login(@Body() body: LoginDto): Promise<TokenResponse> {
    return this.auth.login(body);
  }

  @Get('me')
  me(@CurrentPrincipal() principal: Principal): Promise<PublicUser> {
    return this.users.getProfile(principal.userId);
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  logout(@CurrentPrincipal() principal: Principal): Promise<void> {
    return this.auth.logout(principal);
  }
}
