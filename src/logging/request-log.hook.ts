import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import type { Principal } from '../auth/access-token-claims.js';
import { routePattern } from '../common/http/route-pattern.js';
import type { AllConfig } from '../config/config.types.js';

/**
 * One `request completed` line per response, written from Fastify's onResponse hook, which sees every response:
 * the guard's 401s, the throttler's 429s and unmatched routes included. It carries the request id Fastify already
 * holds (the caller's X-Request-Id or a fresh UUID, echoed in the response), the route pattern, and for an
 * authenticated caller the user and session the guard established. Never a header, a URL or a body.
 */
@Injectable()
export class RequestLogHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost<FastifyAdapter>,
    private readonly pino: PinoLogger,
    private readonly config: ConfigService<AllConfig, true>,
  ) {}

  onModuleInit(): void {
    // Bound once here, so a request costs one call and one small object, and nothing at all when turned off.
    const log = this.pino.logger.child({ context: 'HTTP' });
    if (!this.config.get('logging.requests', { infer: true }) || !log.isLevelEnabled('info')) return;
    this.adapterHost.httpAdapter.getInstance().addHook('onResponse', (request, reply, done) => {
      const principal = (request as FastifyRequest & { user?: Principal }).user;
      log.info(
        {
          reqId: request.id,
          method: request.method,
          route: routePattern(request),
          statusCode: reply.statusCode,
          durationMs: Math.round(reply.elapsedTime * 1000) / 1000,
          userId: principal?.userId,
          sid: principal?.sessionId,
        },
        'request completed',
      );
      done();
    });
  }
}
