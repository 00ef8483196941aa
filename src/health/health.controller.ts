import { Controller, Get } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../common/decorators/public.decorator.js';
import { StoreHealthIndicator } from './store-health.indicator.js';

@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly store: StoreHealthIndicator,
  ) {}

  /** The process serves HTTP; never depends on the store, so an orchestrator does not restart it for a Redis outage. */
  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process serves HTTP (never looks at the store)' })
  live() {
    return this.health.check([]);
  }

  /** Ready to take traffic: the store answers. 503 while it does not (protected routes answer 503 then too). */
  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: the store answers' })
  ready() {
    return this.health.check([() => this.store.check()]);
  }
}
