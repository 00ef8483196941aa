import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import { Counter, Histogram, Registry } from 'prom-client';
import { routePattern } from '../common/http/route-pattern.js';
import { METRIC_PREFIX } from './metrics-registry.js';

// From a revocation-checked GET /me (a millisecond or two) to a login's argon2 work and the store's 500 ms timeout.
const DURATION_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Counts every response by method, route pattern and status, and times it, from Fastify's onResponse hook. An
 * interceptor would miss some: guards refuse (401, 403, 429) before interceptors run, and an unmatched route never
 * reaches one. 401, 429 and 503 counts are this counter's `status_code` series; no second counter is needed.
 */
@Injectable()
export class HttpMetrics implements OnModuleInit {
  private readonly requests: Counter<'method' | 'route' | 'status_code'>;
  private readonly durations: Histogram<'method' | 'route'>;

  constructor(
    registry: Registry,
    private readonly adapterHost: HttpAdapterHost<FastifyAdapter>,
  ) {
    this.requests = new Counter({
      name: `${METRIC_PREFIX}http_requests_total`,
      help: 'HTTP responses sent, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      registers: [registry],
    });
    this.durations = new Histogram({
      name: `${METRIC_PREFIX}http_request_duration_seconds`,
      help: 'Time from the request arriving to its response sent, by method and route pattern',
      labelNames: ['method', 'route'],
      buckets: DURATION_BUCKETS_SECONDS,
      registers: [registry],
    });
  }

  onModuleInit(): void {
    this.adapterHost.httpAdapter.getInstance().addHook('onResponse', (request, reply, done) => {
      const route = routePattern(request);
      this.requests.inc({ method: request.method, route, status_code: reply.statusCode });
      this.durations.observe({ method: request.method, route }, reply.elapsedTime / 1000);
      done();
    });
  }
}
