import { Controller, Get } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../common/decorators/public.decorator.js';
import { DatabaseHealthIndicator } from './database-health.indicator.js';
import { StoreHealthIndicator } from './store-health.indicator.js';

@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly store: StoreHealthIndicator,
    private readonly database: DatabaseHealthIndicator,
  ) {}

  /**
   * The process serves HTTP; never depends on the store or the database, so an orchestrator does not restart it for
   * their outage.
   */
  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process serves HTTP (never looks at the store or the database)' })
  live() {
    return this.health.check([]);
  }

  /**
   * Ready to take traffic: the store and the database answer. 503 while either does not (the routes that need it
   * answer 503 then too).
   */
  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: the store and the database answer' })
  ready() {
    return this.health.check([() => this.store.check(), () => this.database.check()]);
  }
}
