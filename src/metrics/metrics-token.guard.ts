import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { InvalidTokenException } from '../common/errors/invalid-token.exception.js';
import type { AllConfig } from '../config/config.types.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * With METRICS_TOKEN set, `/metrics` answers only a request carrying it as `Authorization: Bearer <token>`. It is a
 * shared secret, not a JWT: the route is `@Public()`, so the JwtAuthGuard never tries to verify it.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly tokenDigest: Buffer | undefined;

  constructor(config: ConfigService<AllConfig, true>) {
    const token = config.get('metrics.token', { infer: true });
    this.tokenDigest = token === undefined ? undefined : sha256(token);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.tokenDigest) return true;
    const { authorization } = context.switchToHttp().getRequest<FastifyRequest>().headers;
    const presented = BEARER.exec(authorization ?? '')?.[1];
    // Digests are equally long whatever was sent, so the comparison takes the same time for every wrong token.
    if (presented === undefined || !timingSafeEqual(sha256(presented), this.tokenDigest)) {
      throw new InvalidTokenException('A valid metrics token is required');
    }
    return true;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
