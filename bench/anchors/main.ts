// The bench's comparison app (`npm run bench -- --anchors`): the smallest NestJS Fastify API that verifies a JWT the
// way the NestJS docs do (JwtService.verifyAsync, HS256, the secret as a KeyObject), with one of two checks:
//   MODE=nocheck  signature and expiry only; logout cannot revoke anything (the no-revocation ceiling);
//   MODE=jti-get  then `EXISTS bl:<jti>` in Redis, one round trip per request; logout writes `bl:<jti>` until `exp`.
// Routes: POST /login (no credentials, returns {access_token}), GET /me and POST /logout (bearer).
// Its tokens carry the API's own header members and claim set (kid; sub, jti, sid, roles, ep, iat, exp, iss, aud),
// and it checks issuer and audience as the API does: both verify tokens of the same size and shape, so the bench's
// `… first` rows, which re-sign each app's own token per request, compare verifiers, not token lengths.
import 'reflect-metadata';
import { createSecretKey, randomUUID } from 'node:crypto';
import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  HttpCode,
  Inject,
  Injectable,
  Module,
  Post,
  Req,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';

const MODE = process.env.MODE ?? 'nocheck';
if (MODE !== 'nocheck' && MODE !== 'jti-get') throw new Error(`MODE must be nocheck or jti-get, not ${MODE}`);
const SECRET = createSecretKey(Buffer.from(process.env.JWT_SECRET ?? 'anchors-secret-0123456789abcdef0123456789', 'utf8'));
const REDIS = Symbol('REDIS');
// As the API's defaults: JWT_ISSUER, JWT_AUDIENCE, a 16-character store epoch id, a key id of 16 base64url characters.
const ISSUER = 'revocable-jwt-api';
const AUDIENCE = 'revocable-jwt-api';
const EPOCH = 'AnchorEpoch00000';
const KEY_ID = 'anchorHs256KeyId';

interface Claims {
  sub: string;
  jti: string;
  sid: string;
  exp: number;
}
interface AuthedRequest {
  headers: Record<string, string | undefined>;
  claims: Claims;
}

@Injectable()
class BearerGuard implements CanActivate {
  constructor(
    @Inject(JwtService) private readonly jwt: JwtService,
    @Inject(REDIS) private readonly redis: Redis | undefined,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const [type, token] = req.headers.authorization?.split(' ') ?? [];
    if (type !== 'Bearer' || !token) throw new UnauthorizedException();
    const claims = await this.jwt.verifyAsync<Claims>(token).catch(() => {
      throw new UnauthorizedException();
    });
    if (this.redis && (await this.redis.exists(`bl:${claims.jti}`))) throw new UnauthorizedException('revoked');
    req.claims = claims;
    return true;
  }
}

@Controller()
class AnchorController {
  constructor(
    @Inject(JwtService) private readonly jwt: JwtService,
    @Inject(REDIS) private readonly redis: Redis | undefined,
  ) {}

  @Post('login')
  @HttpCode(200)
  async login() {
    const claims = { sub: randomUUID(), jti: randomUUID(), sid: randomUUID(), roles: ['user'], ep: EPOCH };
    return { access_token: await this.jwt.signAsync(claims) };
  }

  @Get('me')
  @UseGuards(BearerGuard)
  me(@Req() req: AuthedRequest) {
    return { sub: req.claims.sub };
  }

  @Post('logout')
  @HttpCode(204)
  @UseGuards(BearerGuard)
  async logout(@Req() req: AuthedRequest) {
    await this.redis?.set(`bl:${req.claims.jti}`, '1', 'EXAT', req.claims.exp);
  }
}

@Module({
  imports: [
    JwtModule.register({
      secret: SECRET,
      signOptions: { algorithm: 'HS256', expiresIn: 900, issuer: ISSUER, audience: AUDIENCE, keyid: KEY_ID },
      verifyOptions: { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE },
    }),
  ],
  controllers: [AnchorController],
  providers: [
    BearerGuard,
    { provide: REDIS, useFactory: () => (MODE === 'jti-get' ? new Redis(process.env.REDIS_URL ?? '') : undefined) },
  ],
})
class AnchorModule {}

const app = await NestFactory.create(AnchorModule, new FastifyAdapter(), { logger: ['error', 'warn'] });
app.enableShutdownHooks();
const port = Number(process.env.PORT ?? 3000);
await app.listen(port, '127.0.0.1');
console.log(`READY mode=${MODE} port=${port} pid=${process.pid}`);
