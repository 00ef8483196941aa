import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import { Counter, Histogram, Registry } from 'prom-client';
import { routePattern } from '../common/http/route-pattern.js';
import { METRIC_PREFIX } from './metrics-registry.js';

// From a revocation-checked GET /me (a millisecond or two) to a login's argon2 work and the store's 500 ms timeout.
const DURATION_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface BoundSeries {
  requests: Counter.Internal;
  durations: Histogram.Internal<'method' | 'route'>;
}

/**
 * Counts every response by method, route pattern and status, and times it, from Fastify's onResponse hook. An
 * interceptor would miss some: guards refuse (401, 403, 429) before interceptors run, and an unmatched route never
 * reaches one. 401, 429 and 503 counts are this counter's `status_code` series; no second counter is needed.
 */
@Injectable()
export class HttpMetrics implements OnModuleInit {
  private readonly requests: Counter<'method' | 'route' | 'status_code'>;
  private readonly durations: Histogram<'method' | 'route'>;
  private readonly series = new Map<string, BoundSeries>();

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

  /**
   * The label-bound children of one (method, route, status): prom-client hashes a label object on every call
   * otherwise, on the hottest path there is. Routes are patterns, so the set stays small.
   */
  private seriesOf(method: string, route: string, statusCode: number): BoundSeries {
    const key = `${method} ${route} ${statusCode}`;
    let series = this.series.get(key);
    if (!series) {
      series = {
        requests: this.requests.labels({ method, route, status_code: statusCode }),
        durations: this.durations.labels({ method, route }),
      };
      this.series.set(key, series);
    }
    return series;
  }

  onModuleInit(): void {
    this.adapterHost.httpAdapter.getInstance().addHook('onResponse', (request, reply, done) => {
      const series = this.seriesOf(request.method, routePattern(request), reply.statusCode);
      series.requests.inc();
      series.durations.observe(reply.elapsedTime / 1000);
      done();
    });
  }
}
