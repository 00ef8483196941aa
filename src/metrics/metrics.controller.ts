import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Registry } from 'prom-client';
import { Public } from '../common/decorators/public.decorator.js';
import { ErrorResponse, WWW_AUTHENTICATE_HEADER } from '../common/errors/error-response.dto.js';
import { MetricsTokenGuard } from './metrics-token.guard.js';

/** Served at `/metrics` whatever API_PREFIX says (see setUpApp), where Prometheus looks by default. */
export const METRICS_PATH = 'metrics';

@ApiTags('metrics')
@Public()
@UseGuards(MetricsTokenGuard)
@Controller(METRICS_PATH)
export class MetricsController {
  constructor(private readonly registry: Registry) {}

  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics',
    description:
      'HTTP requests by route and status, revocation checks and their latency, revocations written, the store state, ' +
      "and Node's process metrics. With METRICS_TOKEN set, send it as `Authorization: Bearer <METRICS_TOKEN>`.",
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format, version 0.0.4', schema: { type: 'string' } })
  @ApiUnauthorizedResponse({
    description: 'METRICS_TOKEN is set and the request does not carry it',
    headers: WWW_AUTHENTICATE_HEADER,
    // Explicit: the refusal is the usual JSON error body, not the text the route produces.
    content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponse) } } },
  })
  scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.type(this.registry.contentType);
    return this.registry.metrics();
  }
}
