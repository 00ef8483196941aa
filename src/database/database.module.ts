import { Global, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { StartupRefusedError } from '../common/errors/startup-refused.error.js';
import type { AllConfig } from '../config/config.types.js';
import { Database, InjectDatabase } from './database.js';
import { migrateToLatest } from './migrate.js';
import { openDatabase } from './open-database.js';

/** How long the app keeps trying, at boot, to reach the database and migrate it before it refuses to start. */
const BOOT_RETRY_MS = 10_000;
const RETRY_INTERVAL_MS = 500;

class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@InjectDatabase() private readonly db: Database) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
  }
}

/**
 * The database (accounts, the audit trail, the store's high-water mark): PostgreSQL on DATABASE_URL, or embedded
 * PGlite. In the API process the migrations run before anything else does (unless DATABASE_MIGRATE=false): N
 * instances starting at once are serialised by the migrator's advisory lock.
 */
@Global()
@Module({})
export class DatabaseModule {
  /**
   * `app`: the API process, which owns the embedded database and migrates at boot. `cli`: the operator CLI, which
   * never opens the embedded database (another process owns it) and migrates only when told to.
   */
  static forRoot(owner: 'app' | 'cli'): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: Database,
          inject: [ConfigService],
          useFactory: async (config: ConfigService<AllConfig, true>) => {
            const settings = config.get('database', { infer: true });
            const logger = new Logger('Database');
            const db = openDatabase(settings, {
              openEmbedded: owner === 'app',
              onPoolError: (error) => logger.warn(`Database connection lost: ${error.message}`),
            });
            if (owner === 'app' && settings.location.kind === 'embedded') {
              logger.warn(
                `DATABASE_URL is not set: using the embedded database (PGlite) in ${settings.location.dataDir} (one instance only)`,
              );
            }
            if (owner === 'app' && settings.migrateOnBoot) await migrateAtBoot(db, logger);
            return db;
          },
        },
        DatabaseLifecycle,
      ],
      exports: [Database],
    };
  }
}

async function migrateAtBoot(db: Database, logger: Logger): Promise<void> {
  const deadline = Date.now() + BOOT_RETRY_MS;
  for (;;) {
    try {
      const applied = await migrateToLatest(db);
      if (applied.length > 0) logger.log(`Migrated: ${applied.join(', ')}`);
      return;
    } catch (error) {
      if (Date.now() >= deadline) {
        await db.destroy().catch(() => undefined);
        throw new StartupRefusedError(
          `The database could not be migrated within ${BOOT_RETRY_MS / 1000} s: ${(error as Error).message}; ` +
            'check DATABASE_URL, or start with DATABASE_MIGRATE=false and run `npm run cli -- migrate`',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_INTERVAL_MS));
    }
  }
}
