import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';
import { sql } from 'kysely';
import type { AllConfig } from '../config/config.types.js';
import { InjectDatabase, type Database } from '../database/database.js';

const QUERY_TIMEOUT_MS = 1000;

/** The database's state for readiness: it answers `select 1` within a second (PostgreSQL, or embedded PGlite). */
@Injectable()
export class DatabaseHealthIndicator {
  private readonly type: 'postgres' | 'embedded';

  constructor(
    private readonly indicators: HealthIndicatorService,
    @InjectDatabase() private readonly db: Database,
    config: ConfigService<AllConfig, true>,
  ) {
    this.type = config.get('database.location', { infer: true }).kind;
  }

  check() {
    return this.indicators
      .check('database')
      .attempt(async () => {
        await sql`select 1`.execute(this.db);
        return { type: this.type };
      })
      .withTimeout(QUERY_TIMEOUT_MS);
  }
}
